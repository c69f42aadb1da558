"""SIGTERM under load: stop accepting, answer what is in flight, stop background work, exit 0."""

from __future__ import annotations

import signal
import socket
import threading
import time

from apiclient import Client
from conftest import log_tail
from test_deadlines import LockHolder


def _keep_requesting(port: int, stop: threading.Event, outcomes: dict, lock: threading.Lock):
    """Requests on one keep-alive connection until the server closes it. A request the
    server closed the connection on without any answer counts as 'unanswered' (at most one
    per connection: the keep-alive race when the server closes an idle connection)."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    except OSError:
        return
    with sock:
        while not stop.is_set():
            try:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                data = b""
            with lock:
                if data.startswith(b"HTTP/1.1 "):
                    status = int(data.split(b" ", 2)[1])
                    outcomes[status] = outcomes.get(status, 0) + 1
                else:
                    outcomes["unanswered"] = outcomes.get("unanswered", 0) + 1
            if not data.startswith(b"HTTP/1.1 ") or b"Connection: close" in data:
                return


def test_sigterm_under_load_answers_in_flight_requests_and_exits_0(start_server, database_url):
    sp = start_server({"HTTP_THREADS": "2"})
    c = sp.client
    user = c.create_user()
    # Requests in flight at SIGTERM: charges waiting for a row lock the test holds.
    holder = LockHolder(database_url,
                        f"SELECT 1 FROM point_wallets WHERE user_id = {user} FOR UPDATE")
    in_flight: list = []

    def charge():
        try:
            r = Client("127.0.0.1", sp.port, timeout=20).call(
                "POST", "/api/v1/points/charge", {"userId": user, "amount": 10})
            in_flight.append(r.status)
        except OSError as error:
            in_flight.append(repr(error))

    charges = [threading.Thread(target=charge) for _ in range(4)]
    stop = threading.Event()
    outcomes: dict = {}
    lock = threading.Lock()
    load = [threading.Thread(target=_keep_requesting, args=(sp.port, stop, outcomes, lock))
            for _ in range(8)]
    try:
        for t in charges + load:
            t.start()
        time.sleep(0.7)
        sp.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        holder.release()  # the in-flight charges can finish now, during the drain
        for t in charges:
            t.join(timeout=20)
        rc = sp.proc.wait(timeout=15)
    finally:
        stop.set()
        holder.release()
        for t in load:
            t.join(timeout=10)
    assert rc == 0, f"exit {rc}; log:\n{log_tail(sp.log_path)}"
    # Every request the server was working on got its answer.
    assert in_flight == [200] * 4, in_flight
    assert outcomes.get(200, 0) > 0, outcomes
    assert outcomes.get("unanswered", 0) <= len(load), outcomes
    assert not any(isinstance(k, int) and k >= 500 and k != 503 for k in outcomes), outcomes
    log = sp.log_path.read_text(errors="replace")
    assert "level=error" not in log and "level=critical" not in log, log_tail(sp.log_path)
    assert "AddressSanitizer" not in log and "runtime error" not in log, log_tail(sp.log_path)


def test_sigterm_with_a_drain_period_reports_not_ready_but_keeps_serving(start_server):
    """SHUTDOWN_DRAIN_MS: after SIGTERM /ready answers 503 at once while new connections are
    still accepted and served, so a load balancer takes the instance out before its socket
    closes; then the server stops as before and exits 0."""
    sp = start_server({"SHUTDOWN_DRAIN_MS": "1500"})
    c = sp.client
    assert c.call("GET", "/ready").status == 200
    signalled = time.monotonic()
    sp.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    seen = []
    while time.monotonic() - signalled < 1.2:
        fresh = Client("127.0.0.1", sp.port, timeout=5)  # a new connection each time
        seen.append((fresh.call("GET", "/ready").status,
                     fresh.call("GET", "/api/v1/products").status))
        time.sleep(0.1)
    assert seen and all(s == (503, 200) for s in seen), (seen, log_tail(sp.log_path))
    rc = sp.proc.wait(timeout=15)
    assert rc == 0, log_tail(sp.log_path)
    assert time.monotonic() - signalled >= 1.4
    try:
        socket.create_connection(("127.0.0.1", sp.port), timeout=2).close()
        refused = False
    except OSError:
        refused = True
    assert refused


def _metric(client, name: str) -> float:
    import re
    r = client.call("GET", "/metrics")
    assert r.status == 200
    found = re.search(rf"^{name} (\S+)$", r.raw.decode(), re.M)
    return float(found.group(1)) if found else 0.0


def test_an_absent_nats_counts_failed_attempts_and_does_not_hold_up_the_stop(start_server):
    """A NATS server that is not there at start: the paid order's event waits, the relay
    counts failed attempts (it used to block for ever in the library's connect, holding a
    mutex the other publishers queued on), and SIGTERM ends the process promptly."""
    from conftest import free_port

    sp = start_server({"DATA_PLATFORM_URL": f"nats://127.0.0.1:{free_port()}/orders.paid"})
    c = sp.client
    user = c.create_user()
    assert c.charge(user, 10_000).status == 200
    product = c.create_product(price=1000, stock=10)
    order = c.order_ok(user, [(product, 1)])["orderId"]
    assert c.pay(user, order).status == 200
    deadline = time.monotonic() + 20
    while _metric(c, "outbox_failed_attempts_total") == 0:
        assert time.monotonic() < deadline, "no failed attempt counted in 20 s"
        time.sleep(0.5)
    started = time.monotonic()
    assert sp.terminate(timeout=12) == 0
    took = time.monotonic() - started
    assert took < 10, f"the stop took {took:.1f} s"


def test_the_stop_is_bounded_when_the_database_stops_answering(start_server, database_url):
    """PostgreSQL takes requests and never answers (a fault proxy holds its answers) while
    requests are in flight: SIGTERM still ends the process within SHUTDOWN_DRAIN_MS + 10 s,
    and a second SIGTERM ends it at once."""
    import threading

    from apiclient import TcpProxy, proxied_database_url

    family, addr, rewrite = proxied_database_url(database_url)
    for second_signal in (False, True):
        proxy = TcpProxy(family, addr)
        proxy.start()
        try:
            sp = start_server({"DATABASE_URL": rewrite(proxy.port), "SHUTDOWN_DRAIN_MS": "1000",
                               "REQUEST_DEADLINE_MS": "60000"}, health_timeout=20)
            c = sp.client
            deadline = time.monotonic() + 15
            while c.call("GET", "/ready").status != 200:
                assert time.monotonic() < deadline
                time.sleep(0.2)
            user = c.create_user()
            proxy.hold_answers()
            def charge_and_ignore_the_cut():
                try:
                    c.charge(user, 5)
                except OSError:  # the server went away mid-request: expected here
                    pass

            stuck = [threading.Thread(target=charge_and_ignore_the_cut, daemon=True)
                     for _ in range(4)]
            for t in stuck:
                t.start()
            time.sleep(1)
            started = time.monotonic()
            sp.proc.send_signal(signal.SIGTERM)
            if second_signal:
                time.sleep(0.3)
                sp.proc.send_signal(signal.SIGTERM)
            try:
                sp.proc.wait(timeout=15)
            finally:
                sp.kill()
            took = time.monotonic() - started
            limit = 1.5 if second_signal else 1.0 + 10 + 1.5
            assert took < limit, f"stopped after {took:.1f} s (second signal: {second_signal})"
        finally:
            proxy.stop()
