"""`scripts/cluster N --ha` for a test module: the service instances behind HAProxy on three
PostgreSQL nodes under Patroni and etcd, and what the scenarios need to look at and break
them (cluster.json, Patroni's REST API, patronictl, each node's SQL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg2

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests/cluster"))
sys.path.insert(0, str(REPO / "tests/api"))

from cluster import free_port_range, _tail  # noqa: E402
from apiclient import Client  # noqa: E402

SCRIPT = REPO / "scripts/cluster"


def wait_for(what: str, predicate, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(interval)


def http_json(url: str, timeout: float = 1.0):
    """(status, parsed JSON or None); status 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            body = r.read()
            return r.status, json.loads(body) if body else None
    except urllib.error.HTTPError as e:
        return e.code, None
    except (OSError, ValueError):
        return 0, None


class HaCluster:
    def __init__(self, instances: int, env: dict, workdir: Path, server_binary: Path):
        self.instances = instances
        # Below Linux's ephemeral range (32768-60999): etcd and PostgreSQL must find their
        # ports free when they restart, and outgoing connections take ephemeral ones.
        self.port = free_port_range(instances + 2 + 14, low=20000, high=32000)
        self.dir = workdir
        self.log_path = workdir / "cluster.log"
        self.env = dict(env)
        self.env.pop("PORT", None)
        self.env.pop("DATABASE_URL", None)
        self.env.update(CLUSTER_PORT=str(self.port), CLUSTER_DIR=str(workdir),
                        ECOMMERCE_SERVER_BIN=str(server_binary), DEMO_DATA="0")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([str(SCRIPT), str(instances), "--ha"], env=self.env,
                                     cwd=str(REPO), stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.client = Client("127.0.0.1", self.port, timeout=20)

    # --- where things are ------------------------------------------------------------------
    @property
    def info(self) -> dict:
        return json.loads((self.dir / "cluster.json").read_text())

    def logs(self) -> str:
        parts = [f"--- scripts/cluster\n{_tail(self.log_path)}"]
        for log in sorted(self.dir.glob("*.log")):
            if log != self.log_path:
                parts.append(f"--- {log.name}\n{_tail(log, 15)}")
        return "\n".join(parts)

    def wait_started(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (
                f"scripts/cluster --ha exited with {self.proc.returncode}:\n{self.logs()}")
            if (self.dir / "cluster.json").exists():
                try:
                    if Client("127.0.0.1", self.port, timeout=2).call("GET", "/ready").status == 200:
                        return
                except OSError:
                    pass
            time.sleep(0.2)
        raise AssertionError(f"cluster not ready after {timeout} s:\n{self.logs()}")

    def node(self, name: str) -> dict:
        return next(n for n in self.info["postgres"] if n["name"] == name)

    def members(self) -> list[dict]:
        """Patroni's view (GET /cluster on any node that answers)."""
        for n in self.info["postgres"]:
            status, body = http_json(n["patroni_url"] + "/cluster")
            if status == 200 and body:
                return body["members"]
        return []

    def role_of(self, role: str) -> str | None:
        found = [m["name"] for m in self.members() if m["role"] == role and m["state"] in
                 ("running", "streaming")]
        return found[0] if found else None

    def leader(self) -> str | None:
        """The node whose Patroni answers GET /primary 200 (what HAProxy routes writes to)."""
        for n in self.info["postgres"]:
            if http_json(n["patroni_url"] + "/primary")[0] == 200:
                return n["name"]
        return None

    def patronictl(self, *args: str) -> str:
        config = self.info["patroni_configs"][0]
        p = subprocess.run(["patronictl", "-c", config, *args], capture_output=True, text=True,
                           timeout=60)
        assert p.returncode == 0, f"patronictl {args}: {p.stdout}\n{p.stderr}"
        return p.stdout

    def sql(self, name: str, query: str, database: str = "ecommerce"):
        """One statement on one node, directly (not through HAProxy)."""
        with psycopg2.connect(host="127.0.0.1", port=self.node(name)["pg_port"], user="postgres",
                              dbname=database, connect_timeout=3) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(query)
                return cur.fetchall() if cur.description else None

    # --- breaking nodes --------------------------------------------------------------------
    def kill_node(self, name: str) -> None:
        """SIGKILL the node's Patroni, its postmaster and every backend, as if the machine
        died (backends of a killed postmaster would otherwise finish what they are doing)."""
        node = self.node(name)
        postmaster = int((Path(node["data_dir"]) / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True,
                                  text=True).stdout.split()
        os.kill(node["patroni_pid"], signal.SIGKILL)
        for pid in [postmaster, *map(int, children)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def metrics(self, instance: int) -> str:
        url = self.info["instances"][instance]
        status, _ = 0, None
        with urllib.request.urlopen(url + "/metrics", timeout=5) as r:
            return r.read().decode()

    # --- stopping --------------------------------------------------------------------------
    def terminate(self, timeout: float = 90) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        self.log.close()
        return rc

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
