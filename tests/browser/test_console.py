"""Browser tests of /console: starts the Release binary with user authentication on (as
`AUTH=demo ./scripts/run` does) on a fresh database with the demo data, then runs
tests/browser/console.test.mjs (node's test runner, Debian's chromium through
puppeteer-core, axe-core) against it. Screenshots go to build/logs/console/.

Env: TEST_DATABASE_URL (a database on the server to use; this test creates its own
database beside it), ECOMMERCE_SERVER_BIN (default build/release/ecommerce-server).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts/lib"))
from jwt_mint import mint  # noqa: E402

DATABASE = "ecommerce_console_browser"
SECRET = "console-browser-test-secret-0123456789abcdef"
ADMIN_TOKEN = "console-browser-admin-token"
ARTIFACTS = REPO / "build/logs/console"


def sibling_database_url(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def psql(url: str, *args: str) -> None:
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", *args, url], check=True,
                   stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.fail("TEST_DATABASE_URL is not set", pytrace=False)
    for tool in ("node", "psql"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is not installed", pytrace=False)
    if not Path(os.environ.get("CHROMIUM", "/usr/bin/chromium")).exists():
        pytest.fail("chromium is not installed (apt-get install chromium fonts-noto-cjk)",
                    pytrace=False)
    psql(url, "-c", f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)",
         "-c", f"CREATE DATABASE {DATABASE}")
    database_url = sibling_database_url(url, DATABASE)
    binary = os.environ.get("ECOMMERCE_SERVER_BIN", str(REPO / "build/release/ecommerce-server"))
    port = free_port()
    log = open(tmp_path_factory.mktemp("console") / "server.log", "wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "RATE_LIMIT"))}
    env.update(PORT=str(port), DATABASE_URL=database_url, ADMIN_TOKEN=ADMIN_TOKEN,
               AUTH_JWT_SECRET=SECRET, LOG_LEVEL="warn", ACCESS_LOG="off",
               MIGRATIONS_DIR=str(REPO / "db/migrations"))
    proc = subprocess.Popen([binary], env=env, cwd=str(REPO), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/ready", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the service did not become ready; log: {log.name}", pytrace=False)
            time.sleep(0.1)
        psql(database_url, "-f", str(REPO / "db/demo/demo_data.sql"))
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()
        psql(url, "-c", f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def test_console_in_chromium(service):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, CONSOLE_BASE_URL=service, CONSOLE_ADMIN_TOKEN=ADMIN_TOKEN,
               CONSOLE_USER_TOKEN=mint(SECRET, "3", ttl=3600), CONSOLE_ARTIFACTS=str(ARTIFACTS),
               CONSOLE_RUSH_TOKENS=",".join(mint(SECRET, str(u), ttl=3600) for u in (1, 2, 4)))
    run = subprocess.run(["node", "--test", "--test-reporter=spec", "tests/browser/metrics.test.mjs",
                          "tests/browser/console.test.mjs"],
                         cwd=str(REPO), env=env, capture_output=True, text=True, timeout=240)
    print(run.stdout[-6000:])
    print(run.stderr[-3000:], file=sys.stderr)
    assert run.returncode == 0, "the browser tests failed (output above)"
    for view in ("shop", "operate"):
        for width in ("desktop", "phone"):
            assert (ARTIFACTS / f"console-{view}-{width}.png").stat().st_size > 10_000
