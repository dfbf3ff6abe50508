"""The `voicetrainer` command line: one module per command group, registered by the root group in cli/main.py.

The entry point is `voicetrainer.cli.main:main`. It is not re-exported here: `python -m voicetrainer.cli.main` would
then find its own module imported before it runs (runpy warns about that).
"""
