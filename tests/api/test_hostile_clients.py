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


def test_idle_and_half_sent_connections_do_not_starve_the_service(start_server):
    """Started under a default Debian soft limit of 1,024 open files, with 2,000 clients
    that connect and stay idle or send half a header, the service still answers at once."""
    import resource

    from apiclient import Client

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert hard >= 4096, "the test needs a hard open-files limit of at least 4,096"
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))  # inherited by the server
    try:
        sp = start_server()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    product = sp.client.create_product()
    hostile = []
    try:
        for i in range(2000):
            s = socket.create_connection(("127.0.0.1", sp.port), timeout=5)
            if i % 2:
                s.sendall(b"GET /api/v1/products HTTP/1.1\r\nHost: x\r\nX-Trickle: ")
            hostile.append(s)
        time.sleep(0.5)
        for path in ("/ready", f"/api/v1/products/{product}", "/health"):
            started = time.monotonic()
            r = Client("127.0.0.1", sp.port, timeout=1).call("GET", path)
            assert r.status == 200, (path, r.status, r.raw)
            assert time.monotonic() - started < 1, path
    finally:
        for s in hostile:
            s.close()
    assert sp.terminate(timeout=15) == 0


def test_a_half_sent_header_has_a_short_deadline_apart_from_keep_alive_idle(start_server):
    sp = start_server({"HTTP_HEADER_TIMEOUT_SECONDS": "1", "HTTP_IDLE_TIMEOUT_SECONDS": "30"})
    idle = socket.create_connection(("127.0.0.1", sp.port), timeout=5)
    half = socket.create_connection(("127.0.0.1", sp.port), timeout=5)
    half.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Trickle: ")
    started = time.monotonic()
    half.settimeout(5)
    try:
        data = half.recv(4096)  # closed by the server (EOF), maybe after a 4xx
    except ConnectionResetError:
        data = b""
    assert time.monotonic() - started < 3, "the half-sent header was not cut off in time"
    assert not data or data.startswith(b"HTTP/1.1 4"), data
    # The idle keep-alive connection is still there and serves a request.
    idle.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert _read_responses(idle, 1) == [200]
    idle.close()
    half.close()
    assert sp.terminate(timeout=15) == 0


# ---- fair connection slots (issue 26) ----------------------------------------------------

MAX_CONNECTIONS = 200


def _open_idle_keep_alives(port: int, count: int) -> list[socket.socket]:
    """`count` connections from 127.0.0.1, each used once (GET /health) and then left idle,
    as a client that parks keep-alives would. Connections the server refused or closed are
    kept too: the caller counts which are still open."""
    held = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            _read_responses(s, 1, timeout=5)
        except (AssertionError, OSError):
            pass
        held.append(s)
    return held


def _still_open(s: socket.socket) -> bool:
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True  # nothing to read, not closed
    except OSError:
        return False
    finally:
        s.setblocking(True)


def _other_client_latencies(port: int, requests: int = 20) -> list[float]:
    """A second client, 127.0.0.2: a fresh connection per request; every answer must be 200."""
    latencies = []
    for _ in range(requests):
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=5,
                                      source_address=("127.0.0.2", 0)) as s:
            s.sendall(b"GET /api/v1/products?size=1 HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
            assert _read_responses(s, 1) == [200]
        latencies.append(time.monotonic() - started)
    return latencies


def _check_served_as_usual(port: int, baseline: list[float]) -> None:
    latencies = sorted(_other_client_latencies(port))
    usual = sorted(baseline)[len(baseline) // 2]
    print(f"127.0.0.2 median latency: {usual * 1e3:.2f} ms alone, "
          f"{latencies[len(latencies) // 2] * 1e3:.2f} ms with the flood held open")
    # Median within 5x of the same client's median before the flood (plus 20 ms for a busy
    # shared machine), and no request near a timeout.
    assert latencies[len(latencies) // 2] <= 5 * usual + 0.02, (latencies, baseline)
    assert latencies[-1] < 1.0, latencies


def test_one_address_cannot_take_every_connection_slot(start_server):
    """127.0.0.1 parks HTTP_MAX_CONNECTIONS + 100 keep-alives; it keeps at most its share
    (a tenth by default), and 127.0.0.2 is still served at its usual latency."""
    sp = start_server({"HTTP_MAX_CONNECTIONS": str(MAX_CONNECTIONS), "HTTP_THREADS": "2",
                       "ACCESS_LOG": "off"})
    baseline = _other_client_latencies(sp.port)
    held = _open_idle_keep_alives(sp.port, MAX_CONNECTIONS + 100)
    try:
        time.sleep(0.3)
        _check_served_as_usual(sp.port, baseline)
        still_open = [s for s in held if _still_open(s)]
        # Its share (20), with slack for closes still in flight.
        assert len(still_open) <= MAX_CONNECTIONS // 10 + 4, len(still_open)
        # What it kept are its newest connections, and they still serve.
        assert _still_open(held[-1])
        held[-1].sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _read_responses(held[-1], 1) == [200]
    finally:
        for s in held:
            s.close()
    assert sp.terminate(timeout=15) == 0


def test_at_the_server_limit_the_longest_idle_keep_alive_makes_room(start_server):
    """With no per-client cap in the way, one address fills every slot of the server: a
    newcomer closes the longest-idle keep-alive instead of being refused."""
    sp = start_server({"HTTP_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
                       "HTTP_MAX_CONNECTIONS_PER_CLIENT": str(MAX_CONNECTIONS),
                       "HTTP_THREADS": "2", "ACCESS_LOG": "off"})
    baseline = _other_client_latencies(sp.port)
    held = _open_idle_keep_alives(sp.port, MAX_CONNECTIONS + 100)
    try:
        time.sleep(0.3)
        _check_served_as_usual(sp.port, baseline)
        still_open = [s for s in held if _still_open(s)]
        assert MAX_CONNECTIONS - 30 <= len(still_open) <= MAX_CONNECTIONS, len(still_open)
        assert not _still_open(held[0])  # the oldest went first
        assert _still_open(held[-1])
    finally:
        for s in held:
            s.close()
    assert sp.terminate(timeout=15) == 0
