"""Real nats-server processes (JetStream on, file storage) for the tests, and just enough of
the NATS client protocol to drive JetStream's API: create a stream, read its state and its
messages. (No NATS client for Python is packaged by Debian; the protocol is plain text.)"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

NATS_SERVER = shutil.which("nats-server") or "/usr/bin/nats-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NatsServer:
    """One nats-server with JetStream; stop()/start() keep its port and its store."""

    def __init__(self, workdir: Path, name: str = "n1", cluster_port: int | None = None,
                 routes: list[int] | None = None):
        self.name = name
        self.port = free_port()
        self.store = workdir / f"store-{name}"
        self.log_path = workdir / f"{name}.log"
        self.cluster_port = cluster_port
        self.routes = routes or []
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        args = [NATS_SERVER, "-js", "-a", "127.0.0.1", "-p", str(self.port),
                "-sd", str(self.store), "-n", self.name]
        if self.cluster_port:
            args += ["--cluster_name", "ecommerce-test",
                     "--cluster", f"nats://127.0.0.1:{self.cluster_port}",
                     "--routes", ",".join(f"nats://127.0.0.1:{p}" for p in self.routes)]
        self.proc = subprocess.Popen(args, stdout=open(self.log_path, "ab"),
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                assert self.proc.poll() is None, f"nats-server exited: {self.log_tail()}"
                assert time.monotonic() < deadline, "nats-server did not listen in 10 s"
                time.sleep(0.05)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    @property
    def url(self) -> str:
        return f"127.0.0.1:{self.port}"


def start_cluster(workdir: Path, size: int = 3) -> list[NatsServer]:
    cluster_ports = [free_port() for _ in range(size)]
    nodes = [NatsServer(workdir, f"n{i + 1}", cluster_ports[i],
                        [p for j, p in enumerate(cluster_ports) if j != i])
             for i in range(size)]
    for node in nodes:
        node.start()
    return nodes


class NatsClient:
    """A blocking request/reply client: CONNECT with headers and no-responders, then
    request() publishes with a reply inbox and returns the first reply."""

    def __init__(self, port: int, timeout: float = 3):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""
        self.sid = 0
        info = self._line()
        assert info.startswith(b"INFO "), info
        self._send(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,'
                   b'"no_responders":true,"protocol":1}\r\nPING\r\n')
        self._expect_pong()

    def close(self) -> None:
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("nats-server closed the connection")
        self.buffer += chunk

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _bytes(self, n: int) -> bytes:
        while len(self.buffer) < n + 2:
            self._fill()
        data, self.buffer = self.buffer[:n], self.buffer[n + 2:]
        return data

    def _expect_pong(self) -> None:
        while True:
            line = self._line()
            if line == b"PONG":
                return
            if line.startswith(b"-ERR"):
                raise RuntimeError(line.decode())

    def request(self, subject: str, payload: bytes | dict) -> tuple[dict, bytes]:
        """(headers, data) of the reply; a no-responders reply has {"Status": "503"}."""
        if isinstance(payload, dict):
            payload = json.dumps(payload).encode()
        self.sid += 1
        inbox = f"_INBOX.{uuid.uuid4().hex}"
        self._send(f"SUB {inbox} {self.sid}\r\nUNSUB {self.sid} 1\r\n".encode()
                   + f"PUB {subject} {inbox} {len(payload)}\r\n".encode() + payload + b"\r\n")
        while True:
            line = self._line()
            if line == b"PING":
                self._send(b"PONG\r\n")
            elif line.startswith(b"MSG "):
                parts = line.split()
                data = self._bytes(int(parts[-1]))
                if parts[1].decode() == inbox:  # not a late reply to an earlier request
                    return {}, data
            elif line.startswith(b"HMSG "):
                parts = line.split()
                header_size, total = int(parts[-2]), int(parts[-1])
                raw = self._bytes(total)
                if parts[1].decode() == inbox:
                    return parse_headers(raw[:header_size]), raw[header_size:]
            elif line.startswith(b"-ERR"):
                raise RuntimeError(line.decode())

    def jetstream(self, api: str, payload: dict | None = None) -> dict:
        """A JetStream API call ($JS.API.<api>), retried while the cluster elects a leader."""
        deadline = time.monotonic() + 30
        while True:
            try:
                headers, data = self.request(f"$JS.API.{api}",
                                             json.dumps(payload or {}).encode())
            except TimeoutError:
                # A cluster still electing its meta leader may not answer at all.
                if time.monotonic() > deadline:
                    raise
                continue
            answer = json.loads(data) if data else {}
            retry = headers.get("Status") == "503" or \
                answer.get("error", {}).get("code") == 503
            if not retry or time.monotonic() > deadline:
                return answer
            time.sleep(0.2)


def parse_headers(raw: bytes) -> dict:
    lines = raw.decode().split("\r\n")
    status = lines[0].split()
    headers = {"Status": status[1]} if len(status) > 1 else {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip()] = value.strip()
    return headers


def create_stream(client: NatsClient, name: str, subject: str, replicas: int = 1,
                  duplicate_window_s: int = 120) -> dict:
    answer = client.jetstream(f"STREAM.CREATE.{name}", {
        "name": name, "subjects": [subject], "storage": "file", "num_replicas": replicas,
        "duplicate_window": duplicate_window_s * 1_000_000_000})
    assert "error" not in answer, answer
    return answer


def stream_messages(client: NatsClient, name: str) -> list[tuple[dict, dict]]:
    """Every message of the stream as (headers, JSON payload), in stream order."""
    info = client.jetstream(f"STREAM.INFO.{name}")
    assert "error" not in info, info
    state = info["state"]
    out = []
    for seq in range(state["first_seq"], state["last_seq"] + 1):
        answer = client.jetstream(f"STREAM.MSG.GET.{name}", {"seq": seq})
        if "error" in answer:
            continue  # deleted
        message = answer["message"]
        headers = parse_headers(base64.b64decode(message["hdrs"])) if message.get("hdrs") else {}
        out.append((headers, json.loads(base64.b64decode(message.get("data", "")))))
    return out


def env_for(nodes: list[NatsServer], subject: str) -> dict:
    return {"DATA_PLATFORM_URL": "nats://" + ",".join(n.url for n in nodes) + "/" + subject}


def workdir_for(tmp_path: Path) -> Path:
    path = tmp_path / "nats"
    path.mkdir(exist_ok=True)
    os.chmod(path, 0o755)
    return path


def main() -> None:
    """By hand: create a stream, or count and show what a stream holds, e.g.
    python3 tests/api/natsclient.py --port 4222 create ORDERS orders.paid
    python3 tests/api/natsclient.py --port 4222 show ORDERS"""
    import argparse
    parser = argparse.ArgumentParser(description=main.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=4222)
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="create a file-stored stream on one subject")
    create.add_argument("stream")
    create.add_argument("subject")
    create.add_argument("--replicas", type=int, default=1)
    create.add_argument("--duplicate-window-seconds", type=int, default=120)
    show = sub.add_parser("show", help="print every message of a stream, one JSON a line")
    show.add_argument("stream")
    args = parser.parse_args()
    with NatsClient(args.port) as nc:
        if args.command == "create":
            answer = create_stream(nc, args.stream, args.subject, args.replicas,
                                   args.duplicate_window_seconds)
            print(json.dumps(answer["config"]))
        else:
            for headers, body in stream_messages(nc, args.stream):
                print(json.dumps({"Nats-Msg-Id": headers.get("Nats-Msg-Id"), **body}))


if __name__ == "__main__":
    main()
