#!/usr/bin/env bash
# Make sure a PostgreSQL server answers, then create the app's database if it is missing.
# DATABASE_URL may point elsewhere; the default is postgres://postgres@127.0.0.1:5432/isotp.
set -euo pipefail

url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/isotp}"
host=$(python3 -c "from urllib.parse import urlparse as u; print(u('$url').hostname or '127.0.0.1')")
port=$(python3 -c "from urllib.parse import urlparse as u; print(u('$url').port or 5432)")
user=$(python3 -c "from urllib.parse import urlparse as u; print(u('$url').username or 'postgres')")
name=$(python3 -c "from urllib.parse import urlparse as u; print(u('$url').path.lstrip('/') or 'isotp')")

answers() { pg_isready -q -h "$host" -p "$port" 2>/dev/null; }

if ! command -v pg_isready >/dev/null; then
  echo "PostgreSQL's client tools are not installed."
  echo "Install the server and client with:  apt-get install -y postgresql"
  echo "then run this command again (or set DATABASE_URL to a server you have)."
  exit 1
fi

if ! answers; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    echo "No PostgreSQL answers on $host:$port; starting Debian's cluster $version/main..."
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do answers && break; sleep 1; done
  fi
fi

if ! answers; then
  echo "No PostgreSQL server answers on $host:$port, and none could be started here."
  echo "Do one of these, then run the command again:"
  echo "  - install and start Debian's server: apt-get install -y postgresql && pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start"
  echo "  - or point DATABASE_URL at a server you have, e.g. export DATABASE_URL=postgres://USER@HOST:5432/isotp"
  exit 1
fi

# Trust authentication is expected locally; fall back from the 'postgres' role to 'root'.
for role in "$user" root postgres; do
  if psql -h "$host" -p "$port" -U "$role" -d postgres -Atqc "select 1" >/dev/null 2>&1; then
    if ! psql -h "$host" -p "$port" -U "$role" -d postgres -Atqc \
        "select 1 from pg_database where datname = '$name'" | grep -q 1; then
      echo "Creating database $name"
      createdb -h "$host" -p "$port" -U "$role" "$name"
    fi
    exit 0
  fi
done
echo "PostgreSQL answers on $host:$port but would not let role '$user' connect."
echo "Set DATABASE_URL to a role that can create databases, e.g. postgres://postgres@$host:$port/$name"
exit 1
