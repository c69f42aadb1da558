"""Runs `scripts/cluster N` (N instances behind HAProxy on one database) for a test session.

The object looks like conftest's ServerProcess (port, client, proc, log_path, terminate, kill),
so the API tests run unchanged against HAProxy's URL, plus what a rolling restart needs:
the instances' pids and HAProxy's view of each instance.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from apiclient import Client

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts/cluster"


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def free_port_range(count: int, low: int = 20000, high: int = 60000) -> int:
    """The first of `count` consecutive free ports (HAProxy, the instances, HAProxy's API),
    all in [low, high)."""
    for _ in range(200):
        base = random.randrange(low, high - count)
        if all(_free(p) for p in range(base, base + count)):
            return base
    raise RuntimeError(f"no {count} consecutive free ports found")


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as e:
        return f"<no log: {e}>"


class Cluster:
    def __init__(self, instances: int, env: dict, workdir: Path, server_binary: Path):
        self.instances = instances
        self.port = free_port_range(instances + 2)
        self.admin_port = self.port + instances + 1
        self.dir = workdir
        self.log_path = workdir / "cluster.log"
        self.env = dict(env)
        self.env.pop("PORT", None)
        self.env.update(CLUSTER_PORT=str(self.port), CLUSTER_DIR=str(workdir),
                        ECOMMERCE_SERVER_BIN=str(server_binary), DEMO_DATA="0")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([str(SCRIPT), str(instances)], env=self.env, cwd=str(REPO),
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.client = Client("127.0.0.1", self.port)
        self.started_by = None
        self.shared = False

    def logs(self) -> str:
        parts = [f"--- scripts/cluster ({self.log_path})\n{_tail(self.log_path)}"]
        for log in sorted(self.dir.glob("instance-*.log")) + [self.dir / "haproxy.log"]:
            parts.append(f"--- {log.name}\n{_tail(log, 20)}")
        return "\n".join(parts)

    def wait_healthy(self, timeout: float = 120, path: str = "/ready") -> None:
        """Waits until HAProxy answers `path` with 200 (all instances were ready before
        scripts/cluster started HAProxy). The timeout covers a Release build if needed."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"scripts/cluster exited with {self.proc.returncode} during start:\n"
                            f"{self.logs()}")
            try:
                r = Client("127.0.0.1", self.port, timeout=2).call("GET", path)
                if r.status == 200:
                    return
                last = r.status
            except OSError as e:
                last = e
            time.sleep(0.1)
        self.kill()
        pytest.fail(f"cluster not ready after {timeout}s (last: {last}):\n{self.logs()}")

    # --- what a rolling restart needs ----------------------------------------------------
    def instance_pid(self, i: int) -> int | None:
        try:
            return int((self.dir / f"instance-{i}.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def haproxy(self, command: str) -> str:
        """One command on HAProxy's runtime API."""
        with socket.create_connection(("127.0.0.1", self.admin_port), timeout=5) as s:
            s.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def instance_stats(self) -> dict[str, dict[str, str]]:
        """HAProxy's statistics row of each instance by server name ("i1", ...): "status"
        ("UP", "DOWN", "MAINT", "DRAIN"...), "scur" (requests it is serving now), ..."""
        lines = self.haproxy("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(",")))
            if row.get("pxname") == "instances" and row.get("svname", "").startswith("i"):
                rows[row["svname"]] = row
        return rows

    def instance_states(self) -> dict[str, str]:
        return {name: row["status"] for name, row in self.instance_stats().items()}

    def restart(self, i: int, drain_first: bool = False, timeout: float = 60) -> float:
        """SIGTERM instance i, then wait until scripts/cluster has started it again and
        HAProxy sends it traffic. With drain_first, HAProxy stops sending it new requests
        and its current ones finish before the signal (what `scripts/cluster` documents for
        a restart no client notices). Returns the seconds it took."""
        old = self.instance_pid(i)
        assert old, f"no pid file for instance {i}"
        t0 = time.monotonic()
        deadline = t0 + timeout
        if drain_first:
            self.haproxy(f"set server instances/i{i} state drain")
            while self.instance_stats()[f"i{i}"]["scur"] != "0":
                assert time.monotonic() < deadline, f"instance {i} did not drain"
                time.sleep(0.02)
        os.kill(old, signal.SIGTERM)
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"scripts/cluster exited:\n{self.logs()}"
            new = self.instance_pid(i)
            if new and new != old and self.instance_states().get(f"i{i}") == "UP":
                return time.monotonic() - t0
            time.sleep(0.05)
        pytest.fail(f"instance {i} not back within {timeout}s:\n{self.logs()}")

    # --- stopping --------------------------------------------------------------------------
    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM scripts/cluster (it stops HAProxy and every instance) and wait."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"scripts/cluster did not stop within {timeout}s:\n{self.logs()}")
        self.log.close()
        return rc

    def kill(self) -> None:
        if self.proc.poll() is None:
            # Its own session: the instances and HAProxy are in process groups of their own,
            # so stop the script first (it stops them), then make sure.
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                for pid_file in self.dir.glob("*.pid"):
                    try:
                        os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
                    except (OSError, ValueError):
                        pass
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()
