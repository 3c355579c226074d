#!/usr/bin/env bash
# `make serve`: the app as production runs it (docs/deployment.md): DEBUG off, static files
# collected with hashed names and served by whitenoise, gunicorn with threads
# (isotp/gunicorn.conf.py, PORT and HOST from the environment), and the task queue's worker
# beside it. Everything else (SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS, HTTPS_ONLY...) comes
# from the environment. tests/test_serve.py runs this script as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${SECRET_KEY:?is not set: production settings need one (docs/deployment.md). To try it locally: SECRET_KEY=\$(openssl rand -hex 40) HTTPS_ONLY=false make serve}"
export DJANGO_DEBUG=false
export PYTHON=${PYTHON:-.venv/bin/python}
"$PYTHON" manage.py collectstatic --no-input --verbosity 0
exec .ci/with-worker.sh "$(dirname "$PYTHON")/gunicorn" --config isotp/gunicorn.conf.py isotp.wsgi
