import socket
import time

import pytest

from apiclient import TcpProxy, assert_json_ok, assert_problem, proxied_database_url

DEAD_DB = "postgresql://postgres@127.0.0.1:1/x?connect_timeout=1"


def timed(client, method, path, body=None, limit=5.0):
    t0 = time.monotonic()
    r = client.call(method, path, body)
    elapsed = time.monotonic() - t0
    assert elapsed < limit, f"{method} {path} took {elapsed:.1f}s (status {r.status})"
    return r


def test_health_is_up(client):
    r = client.call("GET", "/health")
    assert assert_json_ok(r) == {"status": "UP"}


def test_ready_when_database_answers(client):
    r = client.call("GET", "/ready")
    assert r.status == 200, r.raw


def test_database_down_server_starts_and_answers_503(start_server):
    sp = start_server({"DATABASE_URL": DEAD_DB}, health_timeout=10)
    c = sp.client
    assert assert_json_ok(timed(c, "GET", "/health")) == {"status": "UP"}

    r = timed(c, "GET", "/ready")
    assert_problem(r, 503, "UNAVAILABLE")
    r = timed(c, "GET", "/api/v1/points?userId=1")
    assert_problem(r, 503, "UNAVAILABLE")
    r = timed(c, "POST", "/api/v1/users", {"name": "nodb"})
    assert_problem(r, 503, "UNAVAILABLE")
    r = timed(c, "POST", "/api/v1/points/charge", {"userId": 1, "amount": 10})
    assert_problem(r, 503, "UNAVAILABLE")
    assert b"127.0.0.1:1" not in r.raw  # never leaks the connection string

    # input validation needs no database
    assert_problem(timed(c, "GET", "/api/v1/points?userId=abc"), 400, "INVALID_REQUEST")
    assert_problem(timed(c, "GET", "/nope"), 404, "NOT_FOUND")

    assert sp.terminate(timeout=10) == 0


def wait_for(pred, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    return pred()


def test_database_comes_up_late_and_goes_away(start_server, database_url):
    family, addr, rewrite = proxied_database_url(database_url)
    proxy = TcpProxy(family, addr)
    try:
        # the database is not reachable at start
        sp = start_server({"DATABASE_URL": rewrite(proxy.port)}, health_timeout=10)
        c = sp.client
        assert_problem(timed(c, "GET", "/ready"), 503, "UNAVAILABLE")

        # ...comes up: the server connects in the background without a restart
        proxy.start()
        assert wait_for(lambda: c.call("GET", "/ready").status == 200, 15), \
            "server did not become ready after the database came up"
        uid = c.create_user()
        assert c.charge(uid, 100).status == 200

        # ...every connection is cut: requests may fail with 503 but never 500, and the
        # server recovers by itself
        proxy.cut()
        statuses = []

        def charge_ok():
            r = timed(c, "POST", "/api/v1/points/charge", {"userId": uid, "amount": 1})
            statuses.append(r.status)
            if r.status != 200:
                assert_problem(r, 503, "UNAVAILABLE")
            return r.status == 200
        assert wait_for(charge_ok, 15), f"no recovery after connections were cut: {statuses}"
        assert c.balance(uid) == 100 + statuses.count(200)

        # ...goes away entirely: 503, and back again
        proxy.stop()
        r = timed(c, "GET", f"/api/v1/points?userId={uid}")
        assert_problem(r, 503, "UNAVAILABLE")
        assert wait_for(lambda: c.call("GET", "/ready").status == 503, 10)
        proxy.start()
        assert wait_for(lambda: c.call("GET", f"/api/v1/points?userId={uid}").status == 200, 15)
        assert sp.terminate(timeout=10) == 0
    finally:
        proxy.stop()


def test_graceful_shutdown_with_open_connections(start_server):
    sp = start_server()
    c = sp.client
    keep = c.connection()
    assert keep.call("GET", "/health").status == 200         # idle keep-alive connection
    idle = c.raw_socket()                                     # connected, nothing sent
    partial = c.raw_socket()
    partial.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n")   # request half sent
    try:
        t0 = time.monotonic()
        rc = sp.terminate(timeout=10)
        assert rc == 0, f"exit code {rc} after SIGTERM"
        assert time.monotonic() - t0 < 10
    finally:
        keep.close()
        idle.close()
        partial.close()
    # the port is released
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", sp.port), timeout=1).close()
