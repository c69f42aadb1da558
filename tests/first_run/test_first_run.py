"""The README's first command, as a new user runs it, on a fresh clone.

Clones the repository's HEAD (committed files only: no build/, no web/node_modules, no
.local/) into a temporary folder, starts `./scripts/run` there with DATABASE_URL unset on
a free port, runs the README's "Try it" commands taken from README.md itself and checks
each answer's status, then stops it with SIGTERM and checks the exit status and that its
private PostgreSQL is stopped. On the way it checks that a second `./scripts/run` in the
same checkout, or one on a port in use, fails fast with an `error:` line and leaves the
first one running.

The clone reuses the build cache (ccache, through CCACHE_BASEDIR) and nothing else.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The run builds the server (cold: minutes; with a warm ccache: seconds) before it serves.
START_TIMEOUT_S = float(os.environ.get("FIRST_RUN_START_TIMEOUT", "1200"))
# Variables scripts/run or the server read: a new user has none of them set.
USER_VARS = (
    "PORT", "DATABASE_URL", "ADMIN_TOKEN", "DEMO_DATA", "MIGRATIONS_DIR", "OPENAPI_FILE",
    "SWAGGER_UI_DIR", "DATA_PLATFORM_URL", "HTTP_THREADS", "DB_POOL_SIZE", "LOG_LEVEL",
    "TEST_DATABASE_URL", "ECOMMERCE_SERVER_BIN",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def try_it_block(readme: str) -> str:
    """The first ```sh block under the "## Try it" heading."""
    section = readme.split("\n## Try it\n", 1)
    assert len(section) == 2, "README.md has no '## Try it' section"
    match = re.search(r"```sh\n(.*?)```", section[1], re.S)
    assert match, "the '## Try it' section has no ```sh block"
    return match.group(1)


def logical_lines(block: str) -> list[str]:
    """Splits a shell block into commands as the shell reads them: a newline inside quotes
    or after a backslash continues the command; a comment runs to the end of its line."""
    lines, current = [], []
    quote = None  # "'" or '"' while inside quotes
    i = 0
    while i < len(block):
        c = block[i]
        if quote:
            if c == "\\" and quote == '"' and i + 1 < len(block):
                current.append(block[i:i + 2])
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "\\" and block[i + 1:i + 2] == "\n":
            current.append(" ")
            i += 2
            continue
        elif c == "#" and (not current or current[-1][-1:] in " \t;"):
            end = block.find("\n", i)
            end = len(block) if end < 0 else end
            current.append(block[i:end])
            i = end
            continue
        elif c == "\n":
            if "".join(current).strip():
                lines.append("".join(current))
            current = []
            i += 1
            continue
        current.append(c)
        i += 1
    assert quote is None, "the Try it block has an unterminated quote"
    if "".join(current).strip():
        lines.append("".join(current))
    return lines


# `curl ...   # → 400` in the README: the status that command must answer; else 2xx.
EXPECTED = re.compile(r"#\s*→\s*(\d{3})\b")


def checking_script(block: str, port: int, status_file: Path) -> tuple[str, int]:
    """The README block as a bash script whose curl calls record their status.

    Every curl in a line is expected to answer the status of that line's `# → NNN`
    comment, or any 2xx; the wrapper writes "expected actual method url" per call.
    """
    out = [
        "set -u",
        'curl() { command curl "$@" -w "%{stderr}@@ $EXPECT %{http_code} %{method} '
        f'%{{url_effective}}\\n" 2>>"{status_file}"; }}',
    ]
    calls = 0
    for line in logical_lines(block):
        line = line.replace("localhost:8080", f"localhost:{port}")
        expected = EXPECTED.search(line)
        out.append(f"EXPECT={expected.group(1) if expected else '2xx'}")
        out.append(line)
        calls += len(re.findall(r"(^|[;&|(]\s*)curl\s", line))
    return "\n".join(out) + "\n", calls


def read_results(status_file: Path) -> list[tuple[str, str, str]]:
    results = []
    for line in status_file.read_text().splitlines():
        if line.startswith("@@ "):
            _, expected, actual, method, url = line.split(" ", 4)
            results.append((expected, actual, f"{method} {url}"))
    return results


class Run:
    """One `./scripts/run` in a checkout, output kept in a file."""

    def __init__(self, checkout: Path, env: dict, log: Path):
        self.log_path = log
        self.log = open(log, "wb")
        self.proc = subprocess.Popen(["./scripts/run"], cwd=checkout, env=env,
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self.log.flush()

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def cluster_running(checkout: Path) -> bool:
    """Whether the private cluster of `checkout` has a live postmaster."""
    pid_file = (checkout / ".local" / "pg-run").resolve() / "data" / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
        os.kill(pid, 0)
        return True
    except (OSError, ValueError):
        return False


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    # Inside the outer checkout's git-ignored .local/, so the outer CCACHE_BASEDIR covers
    # both trees; a 0755 parent lets the postgres user reach the clone's cluster.
    parent = REPO / ".local" / "first-run"
    shutil.rmtree(parent, ignore_errors=True)
    parent.mkdir(parents=True, mode=0o755)
    os.chmod(parent, 0o755)
    clone = parent / "ecommerce"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)],
                   check=True)
    for leftover in ("build", "web/node_modules", ".local"):
        assert not (clone / leftover).exists(), f"a fresh clone must not have {leftover}"
    yield clone
    # The clone's cluster is stopped by the tests; make sure, then remove the clone.
    if cluster_running(clone):
        subprocess.run(["bash", "-c", "source scripts/lib/common.sh && source scripts/lib/pg.sh"
                        " && pg_destroy run"], cwd=clone, check=False)
    shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="module")
def user_env():
    env = {k: v for k, v in os.environ.items() if k not in USER_VARS}
    env["CCACHE_BASEDIR"] = str(REPO)
    env["ADMIN_TOKEN"] = "first-run-admin-token"
    return env


def test_first_run_serves_the_readme_and_stops_cleanly(checkout, user_env, tmp_path):
    port = free_port()
    env = dict(user_env, PORT=str(port))
    run = Run(checkout, env, tmp_path / "run.log")
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while http_status(f"http://127.0.0.1:{port}/health") != 200:
            assert run.proc.poll() is None, \
                f"./scripts/run exited with {run.proc.returncode}:\n{run.output()[-4000:]}"
            assert time.monotonic() < deadline, f"no /health in {START_TIMEOUT_S} s"
            time.sleep(0.5)
        while http_status(f"http://127.0.0.1:{port}/ready") != 200:
            assert time.monotonic() < deadline, "never ready"
            time.sleep(0.2)
        assert f"http://localhost:{port}" in run.output()
        assert cluster_running(checkout)

        # A second run in the same checkout must refuse at once and leave the first alone.
        second = Run(checkout, dict(user_env, PORT=str(free_port())), tmp_path / "second.log")
        status = second.wait(120)
        assert status != 0
        assert re.search(r"^error: another \./scripts/run is already running", second.output(),
                         re.M), second.output()
        # A run on a port in use (here with a database of its own, so no lock applies).
        third = Run(checkout, dict(user_env, PORT=str(port), DATABASE_URL="postgresql:///none"),
                    tmp_path / "third.log")
        status = third.wait(120)
        assert status != 0
        assert re.search(rf"^error: port {port} is already in use", third.output(), re.M), \
            third.output()
        assert http_status(f"http://127.0.0.1:{port}/ready") == 200, \
            "the first run's database went away"

        # The README's own commands, with its own expectations.
        readme = (checkout / "README.md").read_text()
        status_file = tmp_path / "statuses"
        status_file.touch()
        script, calls = checking_script(try_it_block(readme), port, status_file)
        assert calls >= 15, f"the Try it block has only {calls} curl calls"
        (tmp_path / "try_it.sh").write_text(script)
        shell = subprocess.run(["bash", str(tmp_path / "try_it.sh")], cwd=tmp_path,
                               env=dict(user_env, TOKEN=env["ADMIN_TOKEN"]),
                               capture_output=True, text=True, timeout=120)
        results = read_results(status_file)
        assert len(results) == calls, (
            f"{calls} curl calls in the README, {len(results)} answered:\n"
            f"{shell.stdout[-3000:]}\n{shell.stderr[-3000:]}")
        wrong = [r for r in results
                 if not (r[1].startswith("2") if r[0] == "2xx" else r[1] == r[0])]
        assert not wrong, "README commands that did not answer as expected " \
                          "(expected, got, request):\n" + "\n".join(map(str, wrong))

        # Ctrl-C's twin: SIGTERM to the script ends the server and the private cluster.
        run.proc.send_signal(signal.SIGTERM)
        status = run.wait(90)
        assert status == 0, f"./scripts/run exited with {status}:\n{run.output()[-3000:]}"
        assert not cluster_running(checkout), "the private PostgreSQL is still running"
        assert not re.search(r"^error:", run.output(), re.M), run.output()[-3000:]
    finally:
        run.kill()
