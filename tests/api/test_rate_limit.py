"""Rate limits (RATE_LIMIT_PER_SECOND / RATE_LIMIT_BURST): a token bucket per client (the
remote address, or the authenticated user with user authentication on) over /api/v1/*;
429 TOO_MANY_REQUESTS with Retry-After, then recovery; a refused request changes nothing;
the rate holds within 10 % whichever event loop a client's connections land on."""

from __future__ import annotations

import threading
import time

import pytest

from apiclient import ADMIN_TOKEN, assert_problem, unique_name
from jwt_tokens import SECRET, bearer, claims_for, hs256

RATE = 5
BURST = 10


@pytest.fixture(scope="module")
def limited(start_server):
    sp = start_server({"RATE_LIMIT_PER_SECOND": str(RATE), "RATE_LIMIT_BURST": str(BURST),
                       "HTTP_THREADS": "2"})
    yield sp
    assert sp.terminate() == 0


def refill():
    time.sleep(BURST / RATE + 0.2)


def drain(c, path="/api/v1/products?size=1", headers=None, limit=100):
    """Requests until the first 429; returns (number allowed, the 429 response)."""
    for allowed in range(limit):
        r = c.call("GET", path, headers=headers)
        if r.status == 429:
            return allowed, r
        assert r.status == 200, (r.status, r.raw[:200])
    pytest.fail(f"no 429 after {limit} requests")


def test_burst_then_429_with_retry_after_then_recovery(limited):
    c = limited.client
    refill()
    allowed, r = drain(c)
    # The burst, plus what trickled in while the requests were made.
    assert BURST <= allowed <= BURST + 3, allowed
    assert_problem(r, 429, "TOO_MANY_REQUESTS")
    retry_after = r.header("Retry-After")
    assert retry_after is not None and retry_after.isdigit() and int(retry_after) >= 1, retry_after
    # Refused requests do not drain the bucket further: after Retry-After, one gets through.
    for _ in range(5):
        assert c.call("GET", "/api/v1/products?size=1").status == 429
    time.sleep(int(retry_after))
    assert c.call("GET", "/api/v1/products?size=1").status == 200


def test_only_api_paths_are_limited(limited):
    c = limited.client
    refill()
    drain(c)
    for path in ("/health", "/ready", "/metrics", "/api/openapi.yaml"):
        assert c.call("GET", path).status == 200, path
    # Unknown API routes count too (they are /api/v1/*).
    assert c.call("GET", "/api/v1/nothing-here").status == 429


def test_a_refused_request_changes_nothing(limited):
    c = limited.client
    refill()
    user = c.create_user()
    drain(c)
    r = c.charge(user, 5000)
    assert_problem(r, 429, "TOO_MANY_REQUESTS")
    time.sleep(int(r.header("Retry-After")) + 0.1)
    assert c.balance(user) == 0


@pytest.fixture(scope="module")
def fast_limited(start_server):
    sp = start_server({"RATE_LIMIT_PER_SECOND": "40", "RATE_LIMIT_BURST": "40",
                       "HTTP_THREADS": "2", "ACCESS_LOG": "off"})
    yield sp
    assert sp.terminate() == 0


def test_the_rate_holds_across_event_loops(fast_limited):
    """Four keep-alive connections (the server hands them to its two loops in turn) ask as
    fast as they can for 4 s: the allowed total is the burst plus the rate times the time."""
    rate, burst, seconds = 40, 40, 4.0
    time.sleep(burst / rate + 0.2)
    counts = {200: 0, 429: 0, "other": 0}
    lock = threading.Lock()
    start = time.monotonic()
    stop_at = start + seconds

    def worker():
        with fast_limited.client.connection() as conn:
            while time.monotonic() < stop_at:
                status = conn.call("GET", "/api/v1/products?size=1").status
                with lock:
                    counts[status if status in (200, 429) else "other"] += 1

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    expected = burst + rate * elapsed
    assert counts["other"] == 0, counts
    assert counts[429] > counts[200], counts  # the clients really asked for more
    assert abs(counts[200] - expected) <= 0.1 * expected, (counts, expected)


@pytest.fixture(scope="module")
def limited_users(start_server):
    sp = start_server({"RATE_LIMIT_PER_SECOND": str(RATE), "RATE_LIMIT_BURST": str(BURST),
                       "AUTH_JWT_SECRET": SECRET})
    yield sp
    assert sp.terminate() == 0


def test_with_authentication_each_user_has_their_own_bucket(limited_users):
    c = limited_users.client
    refill()
    users = []
    for _ in range(2):
        r = c.call("POST", "/api/v1/users", {"name": unique_name()}, headers=bearer(ADMIN_TOKEN))
        assert r.status == 201, (r.status, r.raw)
        users.append(r.json["id"])
    a, b = users
    ha = bearer(hs256(claims_for(a)))
    hb = bearer(hs256(claims_for(b)))
    allowed, r = drain(c, f"/api/v1/points?userId={a}", headers=ha)
    assert BURST <= allowed <= BURST + 3
    assert_problem(r, 429, "TOO_MANY_REQUESTS")
    # Same address, another user: a full bucket of its own.
    for _ in range(BURST):
        assert c.call("GET", f"/api/v1/points?userId={b}", headers=hb).status == 200
    # A's refused charge changed nothing.
    r = c.call("POST", "/api/v1/points/charge", {"userId": a, "amount": 100}, headers=ha)
    assert_problem(r, 429, "TOO_MANY_REQUESTS")
    time.sleep(int(r.header("Retry-After")) + 0.1)
    r = c.call("GET", f"/api/v1/points?userId={a}", headers=ha)
    assert r.status == 200 and r.json["balance"] == 0
