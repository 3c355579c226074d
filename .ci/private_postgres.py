"""Start (creating it the first time) a private PostgreSQL server from the pgserver wheel.

    python .ci/private_postgres.py DIR PORT

DIR/data holds the cluster, DIR/log its log. It listens on 127.0.0.1:PORT only (no Unix
socket), trusts local connections, and has the superuser `postgres`. Prints the folder of
PostgreSQL's programs (psql, pg_isready, pg_dump, ...) that came with the wheel.

pgserver's own get_server() listens on a Unix socket only, so its programs are run here
directly, the way it runs them: as root, initdb refuses to run, so (like pgserver) the
cluster then belongs to a system user `pgserver`, created if missing.
"""

import os
import subprocess
import sys
import warnings
from pathlib import Path

# pgserver's import looks for a runtime folder that this use of it does not need.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from pgserver import _commands as pg
    from pgserver.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )


def main(folder: Path, port: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data, log = folder / "data", folder / "log"
    user = None
    if os.geteuid() == 0:
        user = "pgserver"
        entry = ensure_user_exists(user)
        ensure_prefix_permissions(folder)
        ensure_prefix_permissions(pg.POSTGRES_BIN_PATH)
        ensure_folder_permissions(pg.POSTGRES_BIN_PATH, 0o055)
        ensure_folder_permissions(pg.POSTGRES_BIN_PATH.parent / "lib", 0o044)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    if not (data / "PG_VERSION").exists():
        pg.initdb(
            ["--auth=trust", "--encoding=utf8", "--locale=C.UTF-8", "-U", "postgres"],
            pgdata=data,
            user=user,
        )
    # The wheel's own pg_ctl, with fixed arguments.
    status = subprocess.run(
        [str(pg.POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(data), "status"],
        capture_output=True,
        user=user,
    )
    if status.returncode != 0:  # 3: not running
        pg.pg_ctl(
            [
                "-w",
                "-l",
                str(log),
                "-o",
                f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories=''",
                "start",
            ],
            pgdata=data,
            user=user,
            timeout=60,
        )
    print(pg.POSTGRES_BIN_PATH)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve(), int(sys.argv[2]))
