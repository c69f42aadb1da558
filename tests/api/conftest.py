"""Starts the real server binary for black-box API tests.

Env: ECOMMERCE_SERVER_BIN (default build/release/ecommerce-server under the repo root),
TEST_DATABASE_URL (required; shared with other suites, so tests create their own data),
ECOMMERCE_CLUSTER_SIZE (optional N: every server a test starts on the test database is
`scripts/cluster N` instead, N instances behind HAProxy; see tests/cluster/cluster.py).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "cluster"))
import apiclient  # noqa: E402
from apiclient import ADMIN_TOKEN, Client  # noqa: E402
from cluster import Cluster  # noqa: E402
from openapi_responses import ResponseCheck  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

# Every answer a test of this suite gets through apiclient is checked against
# api/openapi.yaml (status, media type, JSON body); a mismatch fails that test.
# OPENAPI_RESPONSE_CHECK=off skips it. Only when pytest loads this file as the suite's
# conftest: tests/cluster and tests/fault load it under another name for its helpers, and
# their clients (through HAProxy, or in worker threads while things fail) stay as they were.
RESPONSE_CHECK = (ResponseCheck(REPO / "api" / "openapi.yaml")
                  if __name__ == "conftest" and os.environ.get("OPENAPI_RESPONSE_CHECK") != "off"
                  else None)


def _checked(call):
    def checked_call(self, method, path, body=None, headers=None, raw=None):
        r = call(self, method, path, body=body, headers=headers, raw=raw)
        RESPONSE_CHECK.check(method, path, r.status, r.header("Content-Type"), r.raw)
        return r
    return checked_call


if RESPONSE_CHECK is not None:
    apiclient.Connection.call = _checked(apiclient.Connection.call)


def pytest_terminal_summary(terminalreporter):
    if RESPONSE_CHECK is not None:
        terminalreporter.write_line(
            f"OpenAPI response check: {RESPONSE_CHECK.checked} answers of documented "
            "operations matched api/openapi.yaml")
# Variables the service reads; never inherit them from the caller's environment.
SERVICE_VARS = (
    "PORT", "DATABASE_URL", "ADMIN_TOKEN", "DATA_PLATFORM_URL",
    "ORDER_PAYMENT_TIMEOUT_SECONDS", "SERVICE_TIME_ZONE", "MAX_BODY_BYTES", "LOG_LEVEL",
    "MIGRATIONS_DIR", "HTTP_THREADS", "DB_POOL_SIZE", "HTTP_IDLE_TIMEOUT_SECONDS", "ACCESS_LOG",
    "POINTS_MAX_CHARGE", "POINTS_MAX_BALANCE", "OUTBOX_LEASE_SECONDS", "OUTBOX_RETENTION_HOURS",
    "OPENAPI_FILE", "SWAGGER_UI_DIR", "CONSOLE_WEB_DIR", "DB_MAX_CONNECTIONS",
    "DATA_PLATFORM_SECRET", "DATA_PLATFORM_CA_FILE",
    "AUTH_JWT_SECRET", "AUTH_JWT_PUBLIC_KEY_FILE", "AUTH_JWT_ISSUER",
    "AUTH_JWT_AUDIENCE", "RATE_LIMIT_PER_SECOND", "RATE_LIMIT_BURST",
    "REQUEST_DEADLINE_MS", "HTTP_HEADER_TIMEOUT_SECONDS", "SHUTDOWN_DRAIN_MS",
    "HTTP_MAX_CONNECTIONS", "HTTP_MAX_CONNECTIONS_PER_CLIENT", "METRICS_TOKEN",
    "DATABASE_READ_URL", "WRITE_BATCHES_IN_FLIGHT",
)

_started: list["ServerProcess"] = []
_current_test = {"id": None}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as e:
        return f"<no log: {e}>"


class ServerProcess:
    def __init__(self, binary: Path, env: dict, log_path: Path):
        self.port = int(env["PORT"])
        self.env = env
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen([str(binary)], env=env, cwd=str(REPO),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.client = Client("127.0.0.1", self.port)
        self.started_by = _current_test["id"]
        self.shared = False
        _started.append(self)

    def wait_healthy(self, timeout: float, path: str = "/health") -> None:
        """Waits for `path` to answer 200: /health (serving) or /ready (database and schema
        in place; the server applies migrations in the background after it starts)."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server exited with {self.proc.returncode} during start; log:\n"
                            f"{log_tail(self.log_path)}")
            try:
                r = Client("127.0.0.1", self.port, timeout=2).call("GET", path)
                if r.status == 200:
                    return
                last = r.status
            except OSError as e:
                last = e
            time.sleep(0.05)
        self.kill()
        pytest.fail(f"server not healthy after {timeout}s (last: {last}); log:\n"
                    f"{log_tail(self.log_path)}")

    def terminate(self, timeout: float = 10) -> int:
        """SIGTERM and wait; returns the exit code (kills and fails on timeout)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"server did not exit within {timeout}s of SIGTERM; log:\n"
                        f"{log_tail(self.log_path)}")
        self.log.close()
        return rc

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="session")
def server_binary() -> Path:
    b = Path(os.environ.get("ECOMMERCE_SERVER_BIN", REPO / "build/release/ecommerce-server"))
    if not b.is_absolute():
        b = REPO / b
    if not (b.is_file() and os.access(b, os.X_OK)):
        pytest.fail(f"server binary not found or not executable: {b} "
                    "(build it or set ECOMMERCE_SERVER_BIN)", pytrace=False)
    return b


@pytest.fixture(scope="session")
def database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.fail("TEST_DATABASE_URL is not set: the API tests need a PostgreSQL database "
                    "(e.g. postgresql://postgres@/ecommerce_test?host=/var/tmp/pg)",
                    pytrace=False)
    return url


@pytest.fixture(scope="session")
def start_server(server_binary, database_url, tmp_path_factory):
    """Factory: start_server(env_overrides=None, health_timeout=20) -> ServerProcess.
    Extra servers still running at session end are killed."""
    mine: list[ServerProcess] = []
    counter = iter(range(1_000_000))

    def start(env_overrides: dict | None = None, health_timeout: float = 20) -> ServerProcess:
        env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
        env.update(PORT=str(free_port()), DATABASE_URL=database_url, ADMIN_TOKEN=ADMIN_TOKEN,
                   LOG_LEVEL="warn", MIGRATIONS_DIR=str(REPO / "db/migrations"))
        env.update(env_overrides or {})
        # A server on the test database must be ready (schema applied) before tests use it;
        # one pointed elsewhere (a dead or proxied database) only needs to be serving.
        own_database = "DATABASE_URL" not in (env_overrides or {})
        cluster_size = int(os.environ.get("ECOMMERCE_CLUSTER_SIZE") or 0)
        if cluster_size and own_database:
            sp = Cluster(cluster_size, env, tmp_path_factory.mktemp("cluster"), server_binary)
            sp.started_by = _current_test["id"]
            _started.append(sp)
            mine.append(sp)
            sp.wait_healthy(max(health_timeout, 60))
            return sp
        log = tmp_path_factory.mktemp("server") / f"server-{next(counter)}.log"
        sp = ServerProcess(server_binary, env, log)
        mine.append(sp)
        sp.wait_healthy(health_timeout, "/ready" if own_database else "/health")
        return sp

    yield start
    for sp in mine:
        if sp.proc.poll() is None:
            sp.kill()


@pytest.fixture(scope="session")
def server(start_server):
    """The shared server for the whole session; must shut down gracefully (exit 0)."""
    sp = start_server()
    sp.shared = True
    yield sp
    rc = sp.terminate(timeout=10)
    assert rc == 0, f"server exited with {rc} after SIGTERM; log:\n{log_tail(sp.log_path)}"


@pytest.fixture(scope="session")
def client(server) -> Client:
    return server.client


@pytest.fixture(scope="session")
def sql(database_url):
    """sql(query) -> list of rows (tuples of strings) run with psql on the test database;
    for what the API cannot show quickly (statistics tables, forcing a coupon to expire)."""
    def run(query: str) -> list[tuple[str, ...]]:
        p = subprocess.run(["psql", database_url, "-X", "-q", "-A", "-t", "-F", "\x1f",
                            "-v", "ON_ERROR_STOP=1", "-c", query],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, f"psql failed: {p.stderr}"
        return [tuple(line.split("\x1f")) for line in p.stdout.splitlines() if line != ""]
    return run


@pytest.fixture
def user(client) -> int:
    """A fresh user id (balance 0)."""
    return client.create_user()


# What AddressSanitizer, LeakSanitizer and UBSan print (the server under test may be the
# sanitizer build: ECOMMERCE_SERVER_BIN=build/asan/ecommerce-server).
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error: ",
                     "SUMMARY: UndefinedBehaviorSanitizer")


def pytest_sessionfinish(session, exitstatus):
    """Any sanitizer report in any server's log fails the run, even when the tests passed
    (a server a test stopped itself, or a report that did not end the process)."""
    reports = []
    for sp in _started:
        try:
            text = sp.log_path.read_text(errors="replace")
        except OSError:
            continue
        for marker in SANITIZER_MARKERS:
            at = text.find(marker)
            if at >= 0:
                reports.append(f"{sp.log_path} (started by {sp.started_by}):\n"
                               f"{text[max(0, at - 200):at + 6000]}")
                break
    if reports:
        sys.stderr.write("\n\nSANITIZER REPORTS in server logs:\n" + "\n\n".join(reports) + "\n")
        session.exitstatus = 1


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _current_test["id"] = item.nodeid


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        # the shared server's log, and those of servers this test started
        for sp in _started:
            if sp.shared or sp.started_by == item.nodeid:
                tail = sp.logs() if isinstance(sp, Cluster) else log_tail(sp.log_path)
                rep.sections.append((f"server log tail ({sp.log_path})", tail))
