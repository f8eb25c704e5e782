"""Real services for the production tests: a fresh PostgreSQL database, a private
Redis server and gunicorn app servers, all on this machine's loopback."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager, nullcontext
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

REPO = Path(__file__).resolve().parent.parent
PROD_SECRET = "test-only-" + "k" * 50


def require_services():
    """PostgreSQL and Redis URLs from .ci/services.sh; fail in CI, skip loudly elsewhere."""
    from .conftest import in_ci

    pg, redis = os.environ.get("ACUGUIDE_PG_URL"), os.environ.get("ACUGUIDE_REDIS_URL")
    if pg and redis and shutil.which("redis-server"):
        return pg, redis
    message = "PostgreSQL/Redis not available: run `eval $(sudo bash .ci/services.sh)` first"
    if in_ci() or os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(message)
    print(f"\n{'!' * 20} SKIPPING: {message}")
    pytest.skip(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _with_db(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def fresh_database(pg_url):
    """A new, empty PostgreSQL database; dropped afterwards."""
    import psycopg

    name = f"acuguide_t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_db(pg_url, name)
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class RedisServer:
    """A private redis-server on a free port that a test may stop and start again."""

    def __init__(self):
        self.port = free_port()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(  # noqa: S603
            ["redis-server", str(REPO / "deploy/redis.conf"), "--port", str(self.port), "--bind", "127.0.0.1"],  # noqa: S607
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: _redis_ping(self.port))

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(5)
            self.proc = None


@contextmanager
def redis_server():
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def redis_cli(port, *args):
    """One redis-cli command against the server on ``port``; its words."""
    out = subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, check=True)  # noqa: S603,S607
    return out.stdout.split()


def _redis_ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def prod_env(database_url, redis_port, **extra):  # redis_port: RedisServer.port
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="acuguide.settings.prod",
        SECRET_KEY=PROD_SECRET,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        **extra,
    )
    return env


def start_services():
    """For the scripts that measure the production profile (make bench, make lighthouse): the
    PostgreSQL URL from ``ACUGUIDE_PG_URL``, or, run as root, PostgreSQL and Redis started with
    .ci/services.sh (whose exports then go into this process's environment)."""
    if not (os.environ.get("ACUGUIDE_PG_URL") and shutil.which("redis-server")):
        if os.geteuid() != 0:
            raise SystemExit('Start PostgreSQL and Redis first: eval "$(sudo bash .ci/services.sh)"')
        out = subprocess.run(["bash", str(REPO / ".ci/services.sh")], capture_output=True, text=True, check=True)  # noqa: S603,S607
        for line in out.stdout.splitlines():
            key, _, value = line.removeprefix("export ").partition("=")
            os.environ[key] = value
    return os.environ["ACUGUIDE_PG_URL"]


@contextmanager
def production_site(pg_url, **extra):
    """The production profile on this machine, ready for app servers: a fresh PostgreSQL database
    with the guide loaded, a private Redis and the collected (hashed, compressed) static files.
    Yields the app servers' environment and the Redis server."""
    with fresh_database(pg_url) as url, redis_server() as redis:
        env = prod_env(url, redis.port, **extra)
        for step in (("collectstatic", "--noinput"), ("migrate", "--noinput"), ("load_guide",)):
            manage(env, *step)
        yield env, redis


def manage(env, *args):
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@contextmanager
def gunicorn(env, workers=2, log=None, app="acuguide.wsgi"):
    """An app server on a free port; its output (stdout and stderr) is appended to the file
    ``log`` when given, discarded otherwise."""
    port = free_port()
    with open(log, "ab") if log else nullcontext(subprocess.DEVNULL) as output:  # the child keeps its own copy
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", app, "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}"],
            cwd=REPO,
            env={**env, "WEB_CONCURRENCY": str(workers)},
            stdout=output,
            stderr=output,
        )
    try:
        wait_for(lambda: fetch(port, "/healthz")[0] == 200, timeout=30)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def wait_for(check, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError("service did not come up")


def fetch(port, path, *, method="GET", headers=None, form=None, cookies=None, timeout=10):
    """One HTTP request as if through the TLS proxy; returns (status, headers, body, cookies)."""
    conn = HTTPConnection("127.0.0.1", port, timeout=timeout)
    hdrs = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{port}", **(headers or {})}
    if cookies:
        hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form)
        hdrs["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=hdrs)
        response = conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        set_cookies = {}
        for key, value in response.getheaders():
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                set_cookies[name] = rest.split(";", 1)[0]
        return response.status, dict(response.getheaders()), data, set_cookies
    finally:
        conn.close()


def csrf_token(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
