"""Shared plumbing for the benchmarks: databases, the gunicorn server, and the load tools.

Everything runs on loopback only, with bounded durations and counts. The server runs with
production-like settings (DEBUG off, a random secret key, whitenoise with collected static files)
through `bench.settings`, which adds the bench-only URLs and is selected only by the bench.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import redis
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
# The servers' shared cache, as in production (the page cache, the seats snapshot): a database of the
# machine's Redis of its own, emptied when a phase starts.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
HOST = "127.0.0.1"


def line(name: str, value, unit: str) -> None:
    """One result line: `name value unit`."""
    if isinstance(value, float):
        value = f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    print(f"{name} {value} {unit}", flush=True)


def note(text: str) -> None:
    print(f"# {text}", flush=True)


# --------------------------------------------------------------------------- databases


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_SERVER + "/postgres", connect_timeout=3):
            return True
    except Exception:
        return False


def recreate_postgres_db(name: str) -> str:
    """Drop and create a database of our own; return its URL."""
    import psycopg

    if not re.fullmatch(r"reg_[a-z0-9_]+", name):
        raise ValueError(f"refusing to recreate database {name!r}")
    with psycopg.connect(PG_SERVER + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def server_env(database_url: str, static_root: str) -> dict[str, str]:
    """The environment of the bench server and of the bench's own Django processes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        DJANGO_LOG_LEVEL="ERROR",
        DATABASE_URL=database_url,
        BENCH_STATIC_ROOT=static_root,
        PYTHONPATH=str(ROOT),
    )
    # Production refuses to store a visa request without a key (the demo data holds two).
    env["VISA_DATA_KEYS"] = Fernet.generate_key().decode()
    signing_dir = tempfile.mkdtemp(prefix="bench-visa-signing-")  # the demo's self-signed certificate
    env.update(
        VISA_SIGNING_DIR=signing_dir,
        VISA_SIGNING_CERT=str(Path(signing_dir) / "cert.pem"),
        VISA_SIGNING_KEY=str(Path(signing_dir) / "key.pem"),
    )
    env["REDIS_URL"] = REDIS_URL  # one cache shared by the workers and the bench's own process
    flush_redis(REDIS_URL)
    return env


def flush_redis(url: str) -> None:
    """Empty the bench's Redis database, so a phase starts with no page, snapshot or counter of another."""
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def setup_django(env: dict[str, str]) -> None:
    """Configure Django in this process with the same settings as the server."""
    os.environ.update(env)
    import django

    django.setup()


@contextmanager
def static_root():
    path = tempfile.mkdtemp(prefix="bench-static-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------- the server


def _get(port: int, path: str, timeout: float = 2.0) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


@contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int = 2, log_name: str = "gunicorn"):
    """Run `gunicorn config.wsgi -w 2` on 127.0.0.1:port until the block ends."""
    if not 18100 <= port <= 18199:
        raise ValueError("bench ports are 18100-18199")
    log = tempfile.NamedTemporaryFile(prefix=f"bench-{log_name}-", suffix=".log", delete=False)
    bin_dir = Path(PYTHON).parent
    command = [str(bin_dir / "gunicorn"), "config.wsgi", "-w", str(workers), "-b", f"{HOST}:{port}"]
    command += ["--timeout", "60", "--graceful-timeout", "5"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log.name}")
            try:
                if _get(port, "/bench/bare/") == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within 30 s; see {log.name}")
            time.sleep(0.2)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        errors = Path(log.name).read_text(errors="replace")
        if "Traceback" in errors:
            note(f"the {log_name} server logged tracebacks: see {log.name}")
        else:
            os.unlink(log.name)


def csrf_pair(port: int, path: str = "/register/") -> tuple[str, str]:
    """GET a page with a form and return (csrf cookie, form token), as a browser would hold them."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode()
        cookies = response.headers.get_all("Set-Cookie") or []
    finally:
        conn.close()
    cookie = next(c.split(";", 1)[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken="))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    return cookie, token


# --------------------------------------------------------------------------- load tools


@dataclass
class LoadResult:
    requests: int
    seconds: float
    bad: int  # responses other than 2xx/3xx, and socket errors

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def load_tool() -> str:
    return "wrk" if shutil.which("wrk") else "python"


_WRK_SCRIPT = r"""
local counter = 0
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
local method = [==[@@METHOD@@]==]
local path = [==[@@PATH@@]==]
local headers = @@HEADERS@@
local pre = [==[@@PRE@@]==]
local post = [==[@@POST@@]==]
local numbered = @@NUMBERED@@
request = function()
  local body = nil
  if numbered then
    counter = counter + 1
    body = pre .. tid .. "x" .. counter .. post
  elseif #pre > 0 then
    body = pre
  end
  return wrk.format(method, path, headers, body)
end
"""


def _lua_headers(headers: dict[str, str]) -> str:
    return "{" + ", ".join(f'["{k}"] = [==[{v}]==]' for k, v in headers.items()) + "}"


def run_load(
    url: str,
    *,
    seconds: float,
    connections: int = 8,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body_pre: str = "",
    body_post: str = "",
    numbered: bool = False,
) -> LoadResult:
    """Drive `url` for `seconds` with `connections` concurrent clients.

    With `numbered`, each request body is body_pre + a unique token + body_post (distinct emails).
    """
    spec = LoadSpec(url, seconds, connections, method, headers or {}, body_pre, body_post, numbered)
    return _wrk(spec) if load_tool() == "wrk" else _python_load(spec)


@dataclass
class LoadSpec:
    url: str
    seconds: float
    connections: int
    method: str
    headers: dict[str, str]
    body_pre: str
    body_post: str
    numbered: bool


def _wrk(spec: LoadSpec) -> LoadResult:
    url, seconds, connections = spec.url, spec.seconds, spec.connections
    method, headers, body_pre, body_post, numbered = (
        spec.method,
        spec.headers,
        spec.body_pre,
        spec.body_post,
        spec.numbered,
    )
    path = urlsplit(url).path
    script = (
        _WRK_SCRIPT.replace("@@METHOD@@", method)
        .replace("@@PATH@@", path)
        .replace("@@HEADERS@@", _lua_headers(headers))
        .replace("@@PRE@@", body_pre)
        .replace("@@POST@@", body_post)
        .replace("@@NUMBERED@@", "true" if numbered else "false")
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        threads = min(2, connections)
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", f.name, url],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 30,
        ).stdout
    finally:
        os.unlink(f.name)
    done = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    requests, elapsed = int(done.group(1)), float(done.group(2))
    if done.group(3) == "ms":
        elapsed /= 1000
    bad = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        bad += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        bad += sum(int(x) for x in m.groups())
    return LoadResult(requests=requests, seconds=elapsed, bad=bad)


def _python_load(spec: LoadSpec) -> LoadResult:
    """A bounded load generator: `connections` threads, each with its own HTTP connection."""
    url, seconds, connections = spec.url, spec.seconds, spec.connections
    method, headers, body_pre, body_post, numbered = (
        spec.method,
        spec.headers,
        spec.body_pre,
        spec.body_post,
        spec.numbered,
    )
    parts = urlsplit(url)
    deadline = time.monotonic() + seconds
    counts = [0] * connections
    bad = [0] * connections
    max_requests = 200_000  # per thread: a bound even on a very fast server

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        i = 0
        while time.monotonic() < deadline and i < max_requests:
            i += 1
            body = None
            if numbered:
                body = f"{body_pre}{n + 1}x{i}{body_post}"
            elif body_pre:
                body = body_pre
            try:
                conn.request(method, parts.path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if not 200 <= response.status < 400:
                    bad[n] += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except OSError:
                bad[n] += 1
                conn.close()
            counts[n] += 1
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return LoadResult(requests=sum(counts), seconds=time.monotonic() - started, bad=sum(bad))
