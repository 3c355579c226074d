#!/usr/bin/env bash
# Make sure a PostgreSQL server answers, that the two roles exist, and that the app's database
# exists and is owned by the owner role (docs/security.md, "Database roles and grants").
#
#   DATABASE_URL        the app's role     default postgres://isotp_app@127.0.0.1:5432/isotp
#   DATABASE_OWNER_URL  the owner's role   default postgres://isotp_owner@127.0.0.1:5432/isotp
#                                          (DATABASE_URL itself when only DATABASE_URL is set)
#
# The same defaults as isotp/settings.py. Roles belong to the whole server, so everything here
# is idempotent and touches no database but the one named. Creating the roles needs a
# superuser: locally the 'postgres' or 'root' role (trust authentication), or PGADMIN_USER.
#
# Where nothing answers on this machine, in this order: Debian's cluster is started if it is
# installed; as root, Debian's postgresql package is installed and started; otherwise a
# private server from the pgserver wheel is started in PRIVATE_POSTGRES_DIR (.venv/postgres)
# on its own port PRIVATE_POSTGRES_PORT (54329), and DIR/database.env says how to reach it:
# the Makefile reads that file whenever DATABASE_URL is not set (docs/deployment.md).
set -euo pipefail

private_dir="${PRIVATE_POSTGRES_DIR:-.venv/postgres}"
private_port="${PRIVATE_POSTGRES_PORT:-54329}"
private_env="$private_dir/database.env"
python="${PYTHON:-.venv/bin/python}"

# A private server started by an earlier run stands in for the default URLs.
if [ -z "${DATABASE_URL:-}" ] && [ -f "$private_env" ]; then
  set -a; . "$private_env"; set +a
  private_bin=$("$python" .ci/private_postgres.py "$private_dir" "$private_port")
  export PATH="$private_bin:$PATH"
fi

app_url="${DATABASE_URL:-postgres://isotp_app@127.0.0.1:5432/isotp}"
if [ -n "${DATABASE_URL:-}" ]; then
  owner_url="${DATABASE_OWNER_URL:-$DATABASE_URL}"
else
  owner_url="${DATABASE_OWNER_URL:-postgres://isotp_owner@127.0.0.1:5432/isotp}"
fi

# part URL EXPRESSION: a part of a URL, the expression reading the parsed URL `p`.
part() { python3 -c "import sys; from urllib.parse import urlparse as u, unquote as q; p = u(sys.argv[1]); print(q(str($2 or '')))" "$1"; }
# moved URL PORT: the URL on 127.0.0.1:PORT, its roles, passwords and database kept.
moved() { python3 -c "import sys; from urllib.parse import urlparse as u; p = u(sys.argv[1]); a = p.netloc.rpartition('@')[0]; print(p._replace(netloc=(a + '@' if a else '') + '127.0.0.1:' + sys.argv[2]).geturl())" "$1" "$2"; }
parse_urls() {
  host=$(part "$app_url" "p.hostname or '127.0.0.1'")
  port=$(part "$app_url" "p.port or 5432")
  name=$(part "$app_url" "p.path.lstrip('/') or 'isotp'")
  app=$(part "$app_url" "p.username or 'postgres'")
  app_password=$(part "$app_url" "p.password")
  owner=$(part "$owner_url" "p.username or 'postgres'")
  owner_password=$(part "$owner_url" "p.password")
}
parse_urls

# pg_isready where the client tools are installed; otherwise whether anything listens there.
answers() {
  if command -v pg_isready >/dev/null; then
    pg_isready -q -h "$host" -p "$port" 2>/dev/null
  else
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
  fi
}
debian_installed() { command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql)" ]; }
local_host() { [ "$host" = 127.0.0.1 ] || [ "$host" = localhost ] || [ "$host" = ::1 ]; }

if ! answers && local_host && ! debian_installed && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "No PostgreSQL answers on $host:$port and none is installed: installing Debian's postgresql package..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi

if ! answers && debian_installed; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "No PostgreSQL answers on $host:$port; starting Debian's cluster $version/main..."
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do answers && break; sleep 1; done
fi

if ! answers && local_host && ! debian_installed; then
  echo "No PostgreSQL answers on $host:$port and none is installed (and this is not root, or"
  echo "apt-get is missing): starting a private server from the pgserver wheel in $private_dir,"
  echo "on 127.0.0.1:$private_port."
  "$python" -c "import pgserver" 2>/dev/null || "$python" -m pip install --quiet --disable-pip-version-check -e '.[pgserver]'
  private_bin=$("$python" .ci/private_postgres.py "$private_dir" "$private_port")
  export PATH="$private_bin:$PATH"
  app_url=$(moved "$app_url" "$private_port")
  owner_url=$(moved "$owner_url" "$private_port")
  printf 'DATABASE_URL=%s DATABASE_OWNER_URL=%s\n' "$app_url" "$owner_url" > "$private_env"
  parse_urls
  for _ in $(seq 1 30); do answers && break; sleep 1; done
  if [ -n "${DATABASE_URL:-}" ]; then
    echo "DATABASE_URL is set, so make keeps it: to use the private server, set the URLs in $private_env."
  else
    echo "make uses it for the rest of this run and the next ones ($private_env):"
    echo "  DATABASE_URL=$app_url"
  fi
fi

if ! answers; then
  echo "No PostgreSQL server answers on $host:$port, and none could be started here."
  echo "Do one of these, then run the command again:"
  echo "  - install and start Debian's server: apt-get install -y postgresql && pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start"
  echo "  - or point DATABASE_URL and DATABASE_OWNER_URL at a server you have (docs/deployment.md)"
  exit 1
fi

if ! command -v psql >/dev/null; then
  echo "PostgreSQL answers on $host:$port, but its client psql is not installed here:"
  echo "  apt-get install -y postgresql-client   (then run this command again)"
  exit 1
fi

# psql as a role, on a database; the password (if any) from the environment, never argv.
psql_as() { local role=$1 password=$2 db=$3; shift 3; PGPASSWORD="$password" psql -X -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U "$role" -d "$db" -Atq "$@"; }
ready() {  # The roles and the database are already there, as they should be.
  psql_as "$owner" "$owner_password" "$name" -c "select 1" >/dev/null 2>&1 &&
    psql_as "$app" "$app_password" "$name" -c "select 1" >/dev/null 2>&1
}

admin=""
for role in ${PGADMIN_USER:-} postgres root; do
  if [ "$(psql_as "$role" "${PGADMIN_PASSWORD:-}" postgres -c "select rolsuper from pg_roles where rolname = current_user" 2>/dev/null)" = "t" ]; then
    admin=$role
    break
  fi
done
if [ -z "$admin" ]; then
  ready && exit 0
  echo "PostgreSQL answers on $host:$port, but no superuser role would let this script in to"
  echo "create the roles '$owner' and '$app' and the database '$name'."
  echo "Create them as docs/deployment.md says, or set PGADMIN_USER (and PGADMIN_PASSWORD) to a superuser."
  exit 1
fi
sql() { psql_as "$admin" "${PGADMIN_PASSWORD:-}" "$@"; }

# Each role is created if it is missing, with the attributes it needs and the URL's password.
# A role that exists is left as it is: it may be someone else's (roles belong to the server).
create_role() {  # create_role NAME PASSWORD ATTRIBUTES...
  local role=$1 password=$2; shift 2
  if [ -z "$(sql postgres -c "select 1 from pg_roles where rolname = '$role'")" ]; then
    echo "Creating role $role"
    sql postgres -v role="$role" -v password="$password" -v attributes="$*" <<'SQL'
select format('create role %I login %s', :'role', :'attributes') \gexec
select format('alter role %I password %L', :'role', :'password') where :'password' <> '' \gexec
SQL
  fi
}
if [ "$app" != "$owner" ]; then
  # The owner owns the schema and creates the test databases; the app role owns nothing.
  create_role "$owner" "$owner_password" nosuperuser createdb nocreaterole nobypassrls
  create_role "$app" "$app_password" nosuperuser nocreatedb nocreaterole nobypassrls noreplication
fi
if [ "$(sql postgres -c "select rolsuper from pg_roles where rolname = '$app'")" = "t" ]; then
  echo "Note: DATABASE_URL connects as the superuser '$app', which could erase the access log."
  echo "Set DATABASE_URL to the app's role and DATABASE_OWNER_URL to the owner's (docs/security.md),"
  echo "or unset both to use the local roles isotp_app and isotp_owner."
fi

if [ -z "$(sql postgres -c "select 1 from pg_database where datname = '$name'")" ]; then
  echo "Creating database $name, owned by $owner"
  sql postgres -v db="$name" -v role="$owner" <<'SQL'
select format('create database %I owner %I', :'db', :'role') \gexec
SQL
elif [ "$app" != "$owner" ] && [ "$(sql postgres -c "select pg_get_userbyid(datdba) from pg_database where datname = '$name'")" != "$owner" ]; then
  # A database made before the two roles: hand it and everything in its schema to the owner
  # (migrate then grants the app role its part).
  echo "Handing database $name and its tables to $owner"
  sql "$name" -v db="$name" -v role="$owner" <<'SQL'
select format('alter database %I owner to %I', :'db', :'role') \gexec
select format('alter table %s owner to %I', c.oid::regclass, :'role')
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f')
    and c.relowner <> (select oid from pg_roles where rolname = :'role') \gexec
select format('alter sequence %s owner to %I', c.oid::regclass, :'role')
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind = 'S'
    and c.relowner <> (select oid from pg_roles where rolname = :'role')
    and not exists (select from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i')) \gexec
select format('alter routine %s owner to %I', p.oid::regprocedure, :'role')
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname = 'public' and p.proowner <> (select oid from pg_roles where rolname = :'role') \gexec
SQL
fi

# Test databases (test_<name>, test_<name>_gw0, ...) left by a run made before the two roles
# belong to another role, so the owner could neither drop nor recreate them: they hold nothing
# worth keeping, and are dropped.
if [ "$app" != "$owner" ]; then
  sql postgres -v db="$name" -v role="$owner" <<'SQL'
select format('drop database %I', datname)
  from pg_database
  where (datname = 'test_' || :'db' or datname like 'test\_' || :'db' || '\_gw%')
    and datdba <> (select oid from pg_roles where rolname = :'role') \gexec
SQL
fi
