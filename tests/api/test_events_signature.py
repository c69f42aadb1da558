"""Signed events (DATA_PLATFORM_SECRET): every HTTP delivery carries
X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")> over the body
exactly as sent, which a receiver can verify; every attempt (a retry too) is signed afresh."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import socket
import threading
import time

import pytest

from test_events import paid_order

SECRET = "whsec_api_test_5f1c"


class RecordingPlatform:
    """Keeps each POST's raw body and headers; answers `statuses` in turn, then 200."""

    def __init__(self, statuses=()):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.statuses = list(statuses)
        self.posts: list[tuple[dict, bytes, int]] = []
        self.lock = threading.Lock()
        platform = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with platform.lock:
                    status = platform.statuses.pop(0) if platform.statuses else 200
                    platform.posts.append((dict(self.headers), raw, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/v1/events"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def posts_about(self, order_id) -> list[tuple[dict, bytes, int]]:
        with self.lock:
            return [p for p in self.posts if json.loads(p[1]).get("orderId") == order_id]

    def wait_for(self, order_id, count, timeout=20.0):
        deadline = time.monotonic() + timeout
        while len(self.posts_about(order_id)) < count:
            assert time.monotonic() < deadline, f"fewer than {count} posts for {order_id}"
            time.sleep(0.05)
        return self.posts_about(order_id)


def verify(header: str | None, raw: bytes, secret: str = SECRET, tolerance: int = 300) -> int:
    """What a receiver does: parse t and v1, recompute, compare in constant time, check age."""
    assert header, "no X-Signature header"
    fields = dict(part.split("=", 1) for part in header.split(","))
    assert set(fields) == {"t", "v1"}, header
    t = fields["t"]
    assert t.isdigit(), header
    expected = hmac.new(secret.encode(), t.encode() + b"." + raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, fields["v1"]), (header, raw[:200])
    assert abs(time.time() - int(t)) < tolerance, header
    return int(t)


@pytest.fixture
def signed_server(start_server):
    started = []

    def start(platform, **env):
        sp = start_server({"DATA_PLATFORM_URL": platform.url, "DATA_PLATFORM_SECRET": SECRET,
                           **env})
        started.append(sp)
        return sp

    yield start
    for sp in started:
        if sp.proc.poll() is None:
            assert sp.terminate() == 0


def test_deliveries_carry_a_signature_the_receiver_verifies(signed_server):
    platform = RecordingPlatform()
    try:
        sp = signed_server(platform)
        order, _ = paid_order(sp.client)
        headers, raw, _ = platform.wait_for(order["orderId"], 1)[0]
        verify(headers.get("X-Signature"), raw)
        # A forged body, or the right body under another secret, does not verify.
        with pytest.raises(AssertionError):
            verify(headers.get("X-Signature"), raw.replace(b'"ORDER_PAID"', b'"ORDER_PAlD"'))
        with pytest.raises(AssertionError):
            verify(headers.get("X-Signature"), raw, secret="another")
    finally:
        platform.stop()


def test_every_attempt_is_signed_afresh(signed_server):
    platform = RecordingPlatform(statuses=[503, 503])
    try:
        sp = signed_server(platform)
        order, _ = paid_order(sp.client)
        posts = platform.wait_for(order["orderId"], 3, timeout=30)
        stamps = [verify(headers.get("X-Signature"), raw) for headers, raw, _ in posts[:3]]
        assert [status for _, _, status in posts[:3]] == [503, 503, 200]
        assert stamps == sorted(stamps)
        event_ids = {json.loads(raw)["eventId"] for _, raw, _ in posts}
        assert len(event_ids) == 1
    finally:
        platform.stop()


def test_without_a_secret_deliveries_are_unsigned(start_server):
    platform = RecordingPlatform()
    try:
        sp = start_server({"DATA_PLATFORM_URL": platform.url})
        order, _ = paid_order(sp.client)
        headers, _, _ = platform.wait_for(order["orderId"], 1)[0]
        assert "X-Signature" not in headers
        assert sp.terminate() == 0
    finally:
        platform.stop()
