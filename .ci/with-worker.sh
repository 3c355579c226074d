#!/usr/bin/env bash
# Runs a web server command with the task queue's worker and its scheduler of daily jobs
# (`manage.py run_worker`) beside it, for `make run` and `make serve`: both stop together,
# on Ctrl-C or when either one stops.
#   .ci/with-worker.sh COMMAND...     (PYTHON: the interpreter for the worker, .venv's by default)
set -uo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}

# Each in its own process group, so that stopping one stops its own children too
# (runserver's autoreloader runs the server in a child; gunicorn has its workers).
set -m
"$python" manage.py run_worker &
worker=$!
"$@" &
web=$!
set +m

stop() {
  kill -TERM -- "-$worker" "-$web" 2>/dev/null
  wait
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM

wait -n "$worker" "$web"
status=$?
stop
exit "$status"
