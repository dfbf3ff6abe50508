#!/usr/bin/env bash
# A local Learning Record Store (Ralph, file-system backend) on 127.0.0.1, for the tests and benchmarks/sync.py.
#
#   scripts/lrs.sh install        Ralph in its own venv (its pins would clash with ours): $VOICETRAINER_RALPH_VENV,
#                                 default .venv-lrs in the repository (git-ignored)
#   scripts/lrs.sh start [DIR]    serve it; DIR (default $VOICETRAINER_LRS_DIR or /tmp/voicetrainer-lrs) keeps the
#                                 credentials, the statements, the log, and lrs.env (the exports below). A restart on
#                                 the same DIR keeps the port and the statements.
#   scripts/lrs.sh stop [DIR]     stop it (the statements stay in DIR; delete DIR to start empty)
#   scripts/lrs.sh env [DIR]      print lrs.env:
#       export VOICETRAINER_TEST_LRS=http://127.0.0.1:PORT/xAPI   (the xAPI base: statements at .../statements)
#       export VOICETRAINER_TEST_LRS_USERNAME=... VOICETRAINER_TEST_LRS_PASSWORD=...
#
# No Docker, loopback only. Why a launcher and not `ralph runserver`: see scripts/ralph_lrs.py.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
VENV=${VOICETRAINER_RALPH_VENV:-$REPO/.venv-lrs}
RALPH_VERSION=5.1.0
cmd=${1:-}
DIR=${2:-${VOICETRAINER_LRS_DIR:-/tmp/voicetrainer-lrs}}
USERNAME=voicetrainer

ralph_env() {
  export RALPH_APP_DIR="$DIR/app" RALPH_AUTH_FILE="$DIR/app/auth.json" RALPH_RUNSERVER_BACKEND=fs
  export RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH="$DIR/data"
}

running() { [ -f "$DIR/pid" ] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null; }

case "$cmd" in
install)
  if [ -x "$VENV/bin/ralph" ] && "$VENV/bin/python" -c "import ralph, sys; sys.exit(ralph.__version__ != '$RALPH_VERSION')"; then
    echo "== Ralph $RALPH_VERSION already in $VENV"; exit 0
  fi
  echo "== Ralph $RALPH_VERSION into $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q "ralph-malph[lrs,cli]==$RALPH_VERSION" requests
  ;;
start)
  [ -x "$VENV/bin/ralph" ] || { echo "Ralph is not installed in $VENV; run: scripts/lrs.sh install" >&2; exit 1; }
  if running; then cat "$DIR/lrs.env"; exit 0; fi
  mkdir -p "$DIR/app" "$DIR/data"
  ralph_env
  if [ ! -f "$DIR/password" ]; then
    python3 -c 'import secrets; print(secrets.token_urlsafe(18))' > "$DIR/password"
    "$VENV/bin/ralph" auth -u "$USERNAME" -p "$(cat "$DIR/password")" -s all -M mailto:ci@example.com -w \
      >/dev/null 2>>"$DIR/ralph.log"
  fi
  port=${VOICETRAINER_LRS_PORT:-$(cat "$DIR/port" 2>/dev/null || echo 0)}
  rm -f "$DIR/port.new"
  nohup "$VENV/bin/python" "$REPO/scripts/ralph_lrs.py" "$port" "$DIR/port.new" >>"$DIR/ralph.log" 2>&1 &
  echo $! > "$DIR/pid"
  for _ in $(seq 1 150); do  # up to 30 s: importing Ralph takes a few seconds on a busy machine
    if [ -s "$DIR/port.new" ] && "$VENV/bin/python" -c "import urllib.request, sys
urllib.request.urlopen('http://127.0.0.1:' + sys.argv[1] + '/__lbheartbeat__', timeout=2)" \
        "$(cat "$DIR/port.new")" 2>/dev/null; then
      break
    fi
    running || { echo "Ralph did not start; its log:" >&2; tail -20 "$DIR/ralph.log" >&2; exit 1; }
    sleep 0.2
  done
  running || { echo "Ralph did not start; its log:" >&2; tail -20 "$DIR/ralph.log" >&2; exit 1; }
  mv "$DIR/port.new" "$DIR/port"
  cat > "$DIR/lrs.env" <<EOF
export VOICETRAINER_TEST_LRS=http://127.0.0.1:$(cat "$DIR/port")/xAPI
export VOICETRAINER_TEST_LRS_USERNAME=$USERNAME
export VOICETRAINER_TEST_LRS_PASSWORD=$(cat "$DIR/password")
export VOICETRAINER_TEST_LRS_DIR=$DIR
export VOICETRAINER_RALPH_VENV=$VENV
EOF
  cat "$DIR/lrs.env"
  ;;
stop)
  if running; then
    pid=$(cat "$DIR/pid")
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$DIR/pid"
  ;;
env)
  cat "$DIR/lrs.env"
  ;;
*)
  echo "usage: scripts/lrs.sh install | start [DIR] | stop [DIR] | env [DIR]" >&2; exit 2
  ;;
esac
