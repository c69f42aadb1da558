"""A rolling restart of every instance under load loses nothing.

Clients keep charging points, ordering a scarce product, paying and issuing a limited coupon
through HAProxy while each instance in turn gets SIGTERM, drains, exits and is started again
by scripts/cluster. Afterwards the database must account for every acknowledged request:
balances are the sum of applied charges minus applied payments, stock left plus units in
orders is the initial stock, every acknowledged order, payment and coupon exists, and
whatever exists beyond the acknowledged ones is bounded by the requests whose answer the
client did not get.

On a bare SIGTERM an instance answers /ready with 503 for SHUTDOWN_DRAIN_MS (scripts/cluster
sets 1500 ms, three health-check intervals) while it keeps accepting and serving, so HAProxy
takes it out before its listening socket closes; without that, a request HAProxy had just
sent on a connection the kernel queued but the instance never read was answered 502 (1-12
per run). Putting the instance into HAProxy's drain state first works too. Either way no
client may see any failure.
"""

import threading
import time
import uuid
from collections import defaultdict

import pytest

WORKERS = 12
SCARCE_STOCK = 400
COUPONS = 60
CHARGE = "/api/v1/points/charge"


@pytest.fixture(scope="module")
def cluster(server):
    if not hasattr(server, "restart"):
        pytest.fail("needs ECOMMERCE_CLUSTER_SIZE (tests/cluster/conftest.py sets it)")
    return server


class Ledger:
    """What the clients were told, per kind of request."""

    def __init__(self):
        self.lock = threading.Lock()
        self.charged = defaultdict(int)       # user -> sum of acknowledged charges
        self.orders = {}                      # order id -> user (acknowledged 201)
        self.paid = {}                        # order id -> amount (acknowledged 200)
        self.coupons = set()                  # userCouponId acknowledged 201
        self.sold_out = 0                     # 409 OUT_OF_STOCK answers
        self.unknown = []                     # (what, detail): no answer, or a 5xx
        self.requests = 0

    def note_unknown(self, what, detail):
        with self.lock:
            self.unknown.append((what, detail))


def call(ledger, client, what, method, path, body, headers=None):
    with ledger.lock:
        ledger.requests += 1
    try:
        r = client.call(method, path, body, headers=headers)
    except OSError as e:
        ledger.note_unknown(what, repr(e))
        return None
    if r.status >= 500:
        ledger.note_unknown(what, (r.status, r.raw[:200]))
        return None
    return r


def worker(n, client, ledger, users, product, price, coupon, stop):
    """Charges, then orders one scarce unit and pays it, then asks for the coupon; repeat."""
    user = users[n]
    rounds = 0
    while not stop.is_set():
        rounds += 1
        amount = 1000 + n
        # A charge with an Idempotency-Key: the kind of write HAProxy may replay safely.
        r = call(ledger, client, "charge", "POST", CHARGE, {"userId": user, "amount": amount},
                 {"Idempotency-Key": str(uuid.uuid4())})
        if r is not None:
            assert r.status == 200, (r.status, r.raw)
            with ledger.lock:
                ledger.charged[user] += amount
        # A plain order, no key: replaying it would be a second order, so HAProxy does not.
        r = call(ledger, client, "order", "POST", "/api/v1/orders",
                 {"userId": user, "items": [{"productId": product, "quantity": 1}]})
        if r is not None and r.status == 409:
            assert r.json["code"] == "OUT_OF_STOCK", r.raw
            with ledger.lock:
                ledger.sold_out += 1
        elif r is not None:
            assert r.status == 201, (r.status, r.raw)
            order_id = r.json["orderId"]
            with ledger.lock:
                ledger.orders[order_id] = user
            if rounds % 2:
                r = call(ledger, client, "pay", "POST", "/api/v1/points/use",
                         {"userId": user, "orderId": order_id})
                if r is not None:
                    assert r.status == 200, (r.status, r.raw)
                    with ledger.lock:
                        ledger.paid[order_id] = price
        if rounds == 1:
            r = call(ledger, client, "issue", "POST", "/api/v1/coupons/issue",
                     {"userId": user, "couponId": coupon})
            if r is not None:
                assert r.status in (201, 409), (r.status, r.raw)
                if r.status == 201:
                    with ledger.lock:
                        ledger.coupons.add(r.json["userCouponId"])


@pytest.mark.parametrize("drain_first", [False, True], ids=["sigterm", "drain-then-sigterm"])
def test_rolling_restart_under_load_loses_nothing(cluster, sql, drain_first):
    c = cluster.client
    price = 10
    product = c.create_product(price=price, stock=SCARCE_STOCK)
    coupon = c.create_coupon(totalQuantity=COUPONS)["id"]
    users = [c.create_user() for _ in range(WORKERS * 6)]
    ledger = Ledger()
    stop = threading.Event()
    failures = []

    def run(n):
        try:
            worker(n, c, ledger, users, product, price, coupon, stop)
        except BaseException as e:  # noqa: B902 - reported by the main thread
            failures.append(repr(e))
            stop.set()

    # Every user but the first WORKERS only asks for the coupon: a rush on the restart.
    def rush(u):
        r = call(ledger, c, "issue", "POST", "/api/v1/coupons/issue",
                 {"userId": u, "couponId": coupon})
        if r is not None:
            assert r.status in (201, 409), (r.status, r.raw)
            if r.status == 201:
                with ledger.lock:
                    ledger.coupons.add(r.json["userCouponId"])

    threads = [threading.Thread(target=run, args=(n,)) for n in range(WORKERS)]
    for t in threads:
        t.start()
    took = []
    try:
        time.sleep(0.5)
        for i in range(1, cluster.instances + 1):
            rushers = [threading.Thread(target=rush, args=(u,))
                       for u in users[WORKERS + (i - 1) * 20: WORKERS + i * 20]]
            for t in rushers:
                t.start()
            took.append(cluster.restart(i, drain_first=drain_first))
            for t in rushers:
                t.join(timeout=60)
            assert not failures, failures
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert not failures, failures
    print(f"\nrolling restart: {ledger.requests} requests, restarts took "
          f"{', '.join(f'{s:.1f}s' for s in took)}; orders {len(ledger.orders)}, "
          f"paid {len(ledger.paid)}, coupons {len(ledger.coupons)}, "
          f"unknown outcome {len(ledger.unknown)}")

    unknown = defaultdict(int)
    for what, detail in ledger.unknown:
        unknown[what] += 1
        # Only HAProxy's 502 for a write it must not replay; anything else is a bug.
        assert what in ("order", "pay", "issue") and isinstance(detail, tuple) \
            and detail[0] == 502, (what, detail)

    # Stock: what is left plus every unit in an order is the initial stock; every
    # acknowledged order exists, and only unanswered ones may exist beyond them.
    left = c.stock(product)
    rows = sql(f"SELECT o.id, o.user_id, o.status FROM orders o JOIN order_items i "
               f"ON i.order_id = o.id WHERE i.product_id = {product}")
    in_db = {int(o): (int(u), s) for o, u, s in rows}
    assert set(ledger.orders) <= set(in_db), "an acknowledged order is missing"
    assert len(set(in_db) - set(ledger.orders)) <= unknown["order"]
    assert left + len(in_db) == SCARCE_STOCK, (left, len(in_db))
    # Payments: every acknowledged payment is PAID; no other order is paid but unanswered ones.
    paid_in_db = {o for o, (_, s) in in_db.items() if s == "PAID"}
    assert set(ledger.paid) <= paid_in_db, "an acknowledged payment is lost"
    assert len(paid_in_db - set(ledger.paid)) <= unknown["pay"]
    # Balances: the charges (all acknowledged: they carry keys) minus the paid orders.
    paid_by_user = defaultdict(int)
    for o in paid_in_db:
        paid_by_user[in_db[o][0]] += price
    for u in users[:WORKERS]:
        assert c.balance(u) == ledger.charged[u] - paid_by_user[u], u
    # Coupons: never more than there are, every acknowledged one exists.
    issued = {int(r[0]) for r in sql(f"SELECT id FROM user_coupons WHERE coupon_id = {coupon}")}
    assert ledger.coupons <= issued
    assert len(issued - ledger.coupons) <= unknown["issue"]
    assert len(issued) <= COUPONS
    assert c.coupon(coupon)["remainingQuantity"] == COUPONS - len(issued)

    # Either way no client may see a failure: a bare SIGTERM first answers /ready with 503 for
    # SHUTDOWN_DRAIN_MS (scripts/cluster: 1500) while it still serves, so HAProxy has taken
    # the instance out before its listening socket closes.
    assert not ledger.unknown, ledger.unknown[:10]
