"""ORDER_PAID events reach the data platform (DATA_PLATFORM_URL): once per paid order with
the contract's fields, never for unpaid orders, after platform outages and after a crash,
and are kept (not dropped) when no platform is configured.

A fake platform (a ThreadingHTTPServer in this process) records every POST; it can answer
503, answer slowly, or stop listening. The test database is shared with other suites, so
the relays here also deliver other tests' events: assertions look only at this test's
orders."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import threading
import time

import pytest

from apiclient import parse_kst

EVENT_FIELDS = {"eventId", "type", "orderId", "userId", "items", "totalAmount",
                "discountAmount", "paidAmount", "paidAt"}
ITEM_FIELDS = {"productId", "quantity", "unitPrice", "amount"}


class FakePlatform:
    """Records POSTs as (headers, body, status answered). `status` and `delay` change how it
    answers; stop()/start() make it refuse connections and come back on the same port."""

    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.status = 200
        self.delay = 0.0
        self.requests: list[tuple[dict, dict, int]] = []
        self.lock = threading.Lock()
        self.httpd = None
        self.connections: set[socket.socket] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/events"

    def start(self):
        platform = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like a real platform

            def setup(self):
                super().setup()
                with platform.lock:
                    platform.connections.add(self.connection)

            def finish(self):
                with platform.lock:
                    platform.connections.discard(self.connection)
                super().finish()

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = platform.status
                try:
                    body = json.loads(raw)
                except ValueError:
                    body, status = {"unparsable": raw.decode(errors="replace")}, 400
                with platform.lock:
                    platform.requests.append((dict(self.headers), body, status))
                if platform.delay:
                    time.sleep(platform.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 128  # the relay opens up to 16 connections at once

        httpd = Server(("127.0.0.1", self.port), Handler)
        httpd.daemon_threads = True
        self.httpd = httpd
        threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def stop(self):
        """Stop listening and cut the kept-alive connections: connects are refused."""
        if self.httpd is None:
            return
        self.httpd.shutdown()
        self.httpd.server_close()
        self.httpd = None
        with self.lock:
            conns = list(self.connections)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def received(self, order_ids, ok_only=True) -> list[tuple[dict, dict]]:
        """(headers, body) of the POSTs about these orders, in arrival order."""
        with self.lock:
            return [(h, b) for h, b, st in self.requests
                    if b.get("orderId") in order_ids and (200 <= st < 300 or not ok_only)]

    def wait_delivered(self, order_ids, timeout: float) -> dict[int, list[dict]]:
        """Waits until every order has at least one acknowledged POST; bodies per order."""
        deadline = time.monotonic() + timeout
        while True:
            by_order: dict[int, list[dict]] = {o: [] for o in order_ids}
            for _, body in self.received(order_ids):
                by_order[body["orderId"]].append(body)
            missing = [o for o, bodies in by_order.items() if not bodies]
            if not missing:
                return by_order
            assert time.monotonic() < deadline, f"not delivered within {timeout}s: {missing}"
            time.sleep(0.05)


@pytest.fixture
def platform():
    p = FakePlatform()
    p.start()
    yield p
    p.stop()


@pytest.fixture
def relay_server(start_server):
    """relay_server(platform, **env) -> a server delivering to `platform`; stopped after the
    test, so that relays of one test never deliver while another test looks."""
    started = []

    def start(platform: FakePlatform, **env):
        sp = start_server({"DATA_PLATFORM_URL": platform.url, **env})
        started.append(sp)
        return sp

    yield start
    for sp in started:
        if sp.proc.poll() is None:
            assert sp.terminate() == 0


def paid_order(c, price=1000, quantity=1, coupon_off=None) -> tuple[dict, dict]:
    """A fresh user's order, paid; returns (order, payment answer)."""
    user = c.create_user()
    c.charge(user, 100_000)
    p = c.create_product(price=price, stock=100)
    uc = None
    if coupon_off is not None:
        uc = c.issue_ok(user, c.create_coupon(discountValue=coupon_off)["id"])["userCouponId"]
    o = c.order_ok(user, [(p, quantity)], uc)
    r = c.pay(user, o["orderId"])
    assert r.status == 200, (r.status, r.raw)
    return o, r.json


def pay_many(c, n: int, workers: int = 8) -> list[int]:
    """n orders by one user, paid concurrently; returns their ids."""
    import concurrent.futures as cf
    user = c.create_user()
    c.charge(user, 1_000_000)
    p = c.create_product(price=100, stock=10_000)
    orders = [c.order_ok(user, [(p, 1)])["orderId"] for _ in range(n)]
    with cf.ThreadPoolExecutor(workers) as ex:
        for r in ex.map(lambda o: c.pay(user, o), orders):
            assert r.status == 200, (r.status, r.raw)
    return orders


def outbox_rows(sql, order_ids) -> dict[int, tuple[str, ...]]:
    """order id -> (event_id, attempts, delivered?, last_error)."""
    ids = ",".join(str(o) for o in order_ids)
    rows = sql("SELECT aggregate_id, event_id, attempts, delivered_at IS NOT NULL, "
               "coalesce(last_error, '') FROM outbox_events "
               f"WHERE event_type = 'ORDER_PAID' AND aggregate_id IN ({ids})")
    return {int(r[0]): r[1:] for r in rows}


def wait_rows(sql, order_ids, predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        rows = outbox_rows(sql, order_ids)
        if len(rows) == len(order_ids) and all(predicate(r) for r in rows.values()):
            return rows
        assert time.monotonic() < deadline, f"{what} not reached within {timeout}s: {rows}"
        time.sleep(0.1)


def test_without_platform_url_events_are_kept(client, sql):
    # The shared server has no DATA_PLATFORM_URL, and no relay with one runs now.
    o, _ = paid_order(client)
    time.sleep(1.5)
    rows = outbox_rows(sql, [o["orderId"]])
    event_id, attempts, delivered, _ = rows[o["orderId"]]
    assert (attempts, delivered) == ("0", "f")
    assert len(event_id) == 36


def test_a_platform_url_of_another_scheme_is_a_configuration_error(server_binary, database_url):
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "DATA_PLATFORM_URL")}
    env.update(PORT="0", DATABASE_URL=database_url, DATA_PLATFORM_URL="ftp://platform/x")
    p = subprocess.run([str(server_binary)], env=env, capture_output=True, text=True, timeout=10)
    assert p.returncode == 2
    assert "DATA_PLATFORM_URL" in p.stderr and "must use http:// or https://" in p.stderr, p.stderr


def test_one_delivery_per_paid_order_with_the_contract_fields(relay_server, platform, client,
                                                               sql):
    relay = relay_server(platform)
    o, paid = paid_order(client, price=1500, quantity=2, coupon_off=700)
    other, other_paid = paid_order(client, price=300, quantity=3)
    got = platform.wait_delivered([o["orderId"], other["orderId"]], timeout=5)

    rows = outbox_rows(sql, [o["orderId"], other["orderId"]])
    for order, payment in ((o, paid), (other, other_paid)):
        assert len(got[order["orderId"]]) == 1
        body = got[order["orderId"]][0]
        assert set(body) == EVENT_FIELDS
        assert body["type"] == "ORDER_PAID"
        assert (body["orderId"], body["userId"]) == (order["orderId"], order["userId"])
        assert (body["totalAmount"], body["discountAmount"], body["paidAmount"]) == \
            (order["totalAmount"], order["discountAmount"], payment["paidAmount"])
        assert parse_kst(body["paidAt"]) == parse_kst(payment["paidAt"])
        assert len(body["items"]) == 1
        item = body["items"][0]
        assert set(item) == ITEM_FIELDS
        line = order["items"][0]
        assert (item["productId"], item["quantity"], item["unitPrice"], item["amount"]) == \
            (line["productId"], line["quantity"], line["unitPrice"], line["amount"])
        assert body["eventId"] == rows[order["orderId"]][0]
    assert got[o["orderId"]][0]["discountAmount"] == 700
    assert got[o["orderId"]][0]["eventId"] != got[other["orderId"]][0]["eventId"]

    for headers, body in platform.received([o["orderId"], other["orderId"]]):
        lower = {k.lower(): v for k, v in headers.items()}
        assert lower["idempotency-key"] == body["eventId"]
        assert lower["content-type"].split(";")[0].strip() == "application/json"
    wait_rows(sql, [o["orderId"], other["orderId"]], lambda r: r[2] == "t", 5, "delivered_at")
    # The relay's counters reach /metrics (the relay and the route share main's RelayStats).
    metrics = relay.client.call("GET", "/metrics").raw.decode()
    delivered = [line for line in metrics.splitlines() if line.startswith("outbox_delivered_total ")]
    assert delivered and float(delivered[0].split()[1]) >= 2, delivered


def test_no_event_for_unpaid_expired_or_cancelled_orders(relay_server, platform, client, sql):
    relay_server(platform)
    user = client.create_user()
    client.charge(user, 500)
    p = client.create_product(price=1000, stock=10)
    unpaid = client.order_ok(user, [(p, 1)])["orderId"]
    cancelled = client.order_ok(user, [(p, 1)])["orderId"]
    assert client.cancel(cancelled, user).status == 200
    expired = client.order_ok(user, [(p, 1)])["orderId"]
    assert client.pay(user, expired).status == 409  # balance too short: the order expires
    assert client.order_status(expired, user) == "EXPIRED"
    sentinel, _ = paid_order(client)  # committed after the others
    platform.wait_delivered([sentinel["orderId"]], timeout=5)
    time.sleep(0.3)
    assert platform.received([unpaid, cancelled, expired], ok_only=False) == []
    assert outbox_rows(sql, [unpaid, cancelled, expired]) == {}


def test_platform_down_then_up_delivers_everything(relay_server, platform, client, sql):
    relay_server(platform)
    platform.status = 503
    first = pay_many(client, 10)
    # Attempts fail and are kept with the reason. (Once the relay sees the platform down it
    # only probes it with one event at a time, so not every event is necessarily tried.)
    deadline = time.monotonic() + 5
    while not any("HTTP 503" in r[3] for r in outbox_rows(sql, first).values()):
        assert time.monotonic() < deadline, outbox_rows(sql, first)
        time.sleep(0.05)
    platform.stop()  # now it refuses connections
    second = pay_many(client, 10)
    deadline = time.monotonic() + 6
    while not any("connect" in r[3] for r in outbox_rows(sql, first + second).values()):
        assert time.monotonic() < deadline, outbox_rows(sql, first + second)
        time.sleep(0.05)
    assert platform.received(first + second) == []
    platform.status = 200
    platform.start()
    got = platform.wait_delivered(first + second, timeout=15)
    assert all(len({b["eventId"] for b in bodies}) == 1 for bodies in got.values())
    wait_rows(sql, first + second, lambda r: r[2] == "t", 5, "all delivered")


def test_sigkill_mid_delivery_loses_nothing(relay_server, platform, client, sql):
    # Slow answers keep deliveries in flight; the lease (3 s) hands them to the next relay.
    env = {"OUTBOX_LEASE_SECONDS": "3"}
    sp = relay_server(platform, **env)
    platform.delay = 0.5
    orders = pay_many(client, 20)
    deadline = time.monotonic() + 5
    while not platform.received(orders):
        assert time.monotonic() < deadline, "no delivery started"
        time.sleep(0.01)
    sp.kill()  # SIGKILL: answers in flight are never read, nothing is marked for them
    seen_before_kill = len(platform.received(orders))
    assert seen_before_kill >= 1

    platform.delay = 0.0
    relay_server(platform, **env)
    got = platform.wait_delivered(orders, timeout=15)
    rows = wait_rows(sql, orders, lambda r: r[2] == "t", 5, "all delivered")
    for order_id, bodies in got.items():
        # duplicates are allowed (at-least-once), but they carry one stable eventId
        assert {b["eventId"] for b in bodies} == {rows[order_id][0]}
    # what was in flight at the kill was sent again
    assert sum(len(b) for b in got.values()) > len(orders)


def test_deliveries_go_on_when_the_listen_connection_is_lost(relay_server, platform, client,
                                                             sql):
    sp = relay_server(platform)
    before, _ = paid_order(client)
    platform.wait_delivered([before["orderId"]], timeout=5)
    # Cut every relay's LISTEN connection in this database (the shared server's too: it
    # reconnects like this one).
    killed = sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 "WHERE datname = current_database() AND query = 'LISTEN outbox_events' "
                 "AND pid <> pg_backend_pid()")
    assert killed, "no LISTEN connection found"
    during, _ = paid_order(client)  # found by the poll, or by the listener once back
    platform.wait_delivered([during["orderId"]], timeout=5)
    time.sleep(1.0)  # the listener reconnects after 0.5 s
    after, _ = paid_order(client)
    platform.wait_delivered([after["orderId"]], timeout=3)
    assert "outbox listener has no database connection" in sp.log_path.read_text()


def test_two_instances_share_the_work_without_duplicates(relay_server, platform, client, sql):
    relay_server(platform)
    other = relay_server(platform)
    orders = pay_many(client, 20) + pay_many(other.client, 20)
    got = platform.wait_delivered(orders, timeout=10)
    # SKIP LOCKED and the lease: each event is claimed, and so sent, by one relay only.
    assert {o: len(bodies) for o, bodies in got.items() if len(bodies) != 1} == {}
    wait_rows(sql, orders, lambda r: r[1] == "1" and r[2] == "t", 5, "one attempt each")
