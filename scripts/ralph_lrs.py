"""Serve Ralph's LRS API on 127.0.0.1 for the tests and benchmarks: run by scripts/lrs.sh in Ralph's own venv.

    <ralph venv>/bin/python scripts/ralph_lrs.py PORT PORT_FILE      (PORT 0: any free port)

Why not `ralph runserver -b fs`: its file-system backend writes with the CREATE operation, which refuses to write to
a file that exists, so every POST after the first answers 500; and it starts a file-watching reloader, a second
process to stop. Here the same app (`ralph.api:app`) runs under uvicorn in one process, with the backend appending.
The configuration comes from the environment lrs.sh sets (RALPH_APP_DIR, RALPH_AUTH_FILE, RALPH_RUNSERVER_BACKEND=fs,
RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH).

A second fix, for queries: Ralph 5.1.0's router turns the `verb` and `activity` parameters into `IRI` objects (a
pydantic RootModel), and the file-system backend compares those with the statements' strings, which never match, so
`GET statements?verb=...` finds nothing. The Elasticsearch and MongoDB backends put the value in a query document
instead. Here the two parameters go to the file-system backend as plain strings.

The socket is bound here, before uvicorn starts, so the port written to PORT_FILE is the one served (no race for a
free port between picking it and binding it).
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    port, port_file = int(argv[0]), Path(argv[1])
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend

    # Class attribute: the router's backend instance, created when ralph.api is imported, looks it up there.
    FSLRSBackend.default_operation_type = BaseOperationType.APPEND
    query_statements = FSLRSBackend.query_statements

    def query_with_plain_iris(self, params, target=None):
        plain = {k: str(getattr(v, "root", v)) for k in ("verb", "activity") if (v := getattr(params, k, None))}
        return query_statements(self, params.model_copy(update=plain) if plain else params, target)

    FSLRSBackend.query_statements = query_with_plain_iris

    import uvicorn
    from ralph.api import app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))  # loopback only: never reachable from another machine
    port_file.write_text(f"{sock.getsockname()[1]}\n")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
