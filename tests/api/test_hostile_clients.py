"""Clients that misbehave on purpose: made-up methods, idle or half-sent connections."""

from __future__ import annotations

import random
import re
import socket
import string
import time



def _read_responses(sock: socket.socket, count: int, timeout: float = 20) -> list[int]:
    """Reads `count` HTTP responses (each with a Content-Length) and returns their statuses."""
    sock.settimeout(timeout)
    data = b""
    statuses: list[int] = []
    while len(statuses) < count:
        head_end = data.find(b"\r\n\r\n")
        if head_end < 0:
            chunk = sock.recv(1 << 16)
            if not chunk:
                raise AssertionError(f"connection closed after {len(statuses)} responses")
            data += chunk
            continue
        head = data[:head_end].decode("latin-1")
        length = int(re.search(r"(?im)^content-length:\s*(\d+)", head).group(1))
        if len(data) < head_end + 4 + length:
            chunk = sock.recv(1 << 16)
            if not chunk:
                raise AssertionError("connection closed inside a response")
            data += chunk
            continue
        statuses.append(int(head.split(" ", 2)[1]))
        data = data[head_end + 4 + length:]
    return statuses


def _random_method(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(3, 12)))


def send_made_up_methods(port: int, total: int, rng: random.Random, batch: int = 250) -> None:
    """Sends `total` requests with random method tokens, pipelined on one connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sent = 0
        while sent < total:
            n = min(batch, total - sent)
            requests = b"".join(
                f"{_random_method(rng)} /health HTTP/1.1\r\nHost: x\r\n\r\n".encode()
                for _ in range(n))
            sock.sendall(requests)
            statuses = _read_responses(sock, n)
            assert all(400 <= s < 500 for s in statuses), statuses[:10]
            sent += n


def test_made_up_methods_do_not_grow_the_metrics(client, server):
    def metrics_size() -> tuple[int, int]:
        r = client.call("GET", "/metrics")
        assert r.status == 200
        text = r.raw.decode()
        series = sum(1 for line in text.splitlines() if line.startswith("http_requests_total{"))
        return len(r.raw), series

    rng = random.Random(20261130)
    send_made_up_methods(server.port, 50, rng)  # the first unknown method may add its series
    metrics_size()  # and the first scrape its own
    before_bytes, before_series = metrics_size()
    started = time.monotonic()
    send_made_up_methods(server.port, 10_000, rng)
    elapsed = time.monotonic() - started
    after_bytes, after_series = metrics_size()
    assert after_series == before_series
    # Counters gain digits, nothing else: a few hundred bytes at most.
    assert after_bytes - before_bytes < 1024, (before_bytes, after_bytes)
    assert elapsed < 20, elapsed

