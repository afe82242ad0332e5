"""PgBouncer in transaction mode in front of the machine's PostgreSQL, for the pooled runs.

The scale-out and summit phases run once directly and once through it (`--pgbouncer`): Debian's
`pgbouncer` (`apt-get install -y pgbouncer`), started by the bench on a free loopback port with a
generated configuration, stopped after (also on failure). The app then connects with
`DATABASE_POOLER=transaction` (server-side cursors off) and `DATABASE_PREPARED_STATEMENTS=0`
(PgBouncer 1.18, Debian 12's, cannot keep prepared statements). Its lines get a `_pgbouncer` suffix.

The settings, those README's production section gives: `pool_mode = transaction`,
`default_pool_size = 20` server connections per (database, user) (the servers' 8 workers, the email
workers and the bench's own threads share them), `max_client_conn = 1000`, `server_reset_query`
empty (transaction mode runs none), `ignore_startup_parameters = extra_float_digits,options`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import HOST, PG_SERVER, note

BINARY = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
POOL_SIZE = 20
SETTINGS = {
    "pool_mode": "transaction",
    "default_pool_size": str(POOL_SIZE),
    "max_client_conn": "1000",
    "server_reset_query": "",
    "ignore_startup_parameters": "extra_float_digits,options",
    "auth_type": "trust",
}


def available() -> bool:
    return Path(BINARY).exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def suffix(pooled: bool) -> str:
    return "_pgbouncer" if pooled else ""


@contextmanager
def pgbouncer():
    """Run PgBouncer in front of PG_SERVER; yield the server URL to use in its place (no database)."""
    if not available():
        raise RuntimeError("PgBouncer is not installed: apt-get install -y pgbouncer")
    upstream = urlsplit(PG_SERVER)
    user = upstream.username or "postgres"
    folder = tempfile.mkdtemp(prefix="bench-pgbouncer-")
    port = free_port()
    ini = Path(folder, "pgbouncer.ini")
    users = Path(folder, "users.txt")
    users.write_text(f'"{user}" ""\n')  # trust: the name must still be in the file
    lines = [
        "[databases]",
        f"* = host={upstream.hostname} port={upstream.port or 5432}",
        "[pgbouncer]",
        f"listen_addr = {HOST}",
        f"listen_port = {port}",
        "unix_socket_dir =",
        f"auth_file = {users}",
        f"logfile = {folder}/pgbouncer.log",
        f"pidfile = {folder}/pgbouncer.pid",
        *(f"{key} = {value}" for key, value in SETTINGS.items()),
    ]
    ini.write_text("\n".join(lines) + "\n")
    for path in (ini, users):
        path.chmod(0o644)
    command = [BINARY, str(ini)]
    if os.geteuid() == 0:  # PgBouncer will not run as root
        command[1:1] = ["-u", "postgres"]
        shutil.chown(folder, "postgres")  # who must write its log and pid file here
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, process, Path(folder, "pgbouncer.log"))
        note(f"PgBouncer {_version()} on {HOST}:{port}: " + ", ".join(f"{k}={v}" for k, v in SETTINGS.items()))
        yield f"postgres://{user}@{HOST}:{port}"
    finally:
        process.send_signal(signal.SIGINT)  # "safe shutdown" would wait for clients; SIGINT ends it
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = log.read_text(errors="replace")[-1000:] if log.exists() else ""
            raise RuntimeError(f"pgbouncer exited with {process.returncode}: {text}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("pgbouncer did not listen within 15 s")


def _version() -> str:
    done = subprocess.run([BINARY, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.split("\n", 1)[0].removeprefix("PgBouncer ").strip()


def pooled_env(env: dict[str, str], server_url: str, database: str) -> dict[str, str]:
    """The app's environment through the pooler: the database behind it, and the settings it needs."""
    return {
        **env,
        "DATABASE_URL": f"{server_url}/{database}",
        "DATABASE_POOLER": "transaction",
        "DATABASE_PREPARED_STATEMENTS": "0",
    }
