"""Unpaid orders expire after ORDER_PAYMENT_TIMEOUT_SECONDS, even if nobody touches them."""

import datetime as dt
import time

import pytest

from apiclient import assert_problem, parse_kst

TIMEOUT = 2


@pytest.fixture(scope="module")
def fast(start_server):
    sp = start_server({"ORDER_PAYMENT_TIMEOUT_SECONDS": str(TIMEOUT)})
    yield sp.client
    assert sp.terminate() == 0


def sleep_until(ts: str, extra: float = 0.0):
    left = (parse_kst(ts) - dt.datetime.now(dt.timezone.utc)).total_seconds() + extra
    if left > 0:
        time.sleep(left)


def test_unpaid_orders_expire_on_their_own(fast):
    c = fast
    user = c.create_user()
    c.charge(user, 100_000)
    p = c.create_product(price=1000, stock=50)
    q = c.create_product(price=10, stock=5)
    uc = c.issue_ok(user, c.create_coupon(discountValue=300)["id"])

    left_alone = c.order_ok(user, [(p, 3), (q, 5)], uc["userCouponId"])
    plain = c.order_ok(user, [(p, 4)])
    paid = c.order_ok(user, [(p, 2)])
    cancelled = c.order_ok(user, [(p, 1)])
    for o in (left_alone, plain, paid, cancelled):
        assert parse_kst(o["expiresAt"]) - parse_kst(o["createdAt"]) == \
            dt.timedelta(seconds=TIMEOUT)
    assert c.pay(user, paid["orderId"]).status == 200
    assert c.cancel(cancelled["orderId"], user).status == 200
    assert (c.stock(p), c.stock(q)) == (50 - 3 - 4 - 2, 0)
    assert c.user_coupon_status(user, uc["userCouponId"]) == "USED"

    deadline = parse_kst(left_alone["expiresAt"]) + dt.timedelta(seconds=5)
    while True:
        st = [c.order_status(o["orderId"], user) for o in (left_alone, plain)]
        if st == ["EXPIRED", "EXPIRED"]:
            break
        assert dt.datetime.now(dt.timezone.utc) < deadline, f"not expired in time: {st}"
        time.sleep(0.2)

    # stock back exactly once, coupon usable again, paid order untouched
    assert (c.stock(p), c.stock(q)) == (48, 5)
    assert c.user_coupon_status(user, uc["userCouponId"]) == "AVAILABLE"
    got = c.get_order(left_alone["orderId"], user).json
    assert got == {**left_alone, "status": "EXPIRED"}
    assert c.order_status(paid["orderId"], user) == "PAID"
    assert c.order_status(cancelled["orderId"], user) == "CANCELLED"

    balance = c.balance(user)
    assert_problem(c.pay(user, left_alone["orderId"]), 409, "ORDER_NOT_PAYABLE")
    assert_problem(c.cancel(plain["orderId"], user), 409, "ORDER_NOT_PAYABLE")
    assert c.balance(user) == balance
    time.sleep(1)
    assert (c.stock(p), c.stock(q)) == (48, 5)

    o = c.order_ok(user, [(q, 1)], uc["userCouponId"])
    assert o["discountAmount"] == 10


def test_order_past_expires_at_is_never_payable(fast):
    c = fast
    user = c.create_user()
    c.charge(user, 10_000)
    p = c.create_product(price=1000, stock=10)
    uc = c.issue_ok(user, c.create_coupon(discountValue=100)["id"])
    o = c.order_ok(user, [(p, 2)], uc["userCouponId"])
    sleep_until(o["expiresAt"], 0.05)
    # whether or not the sweeper got to it yet
    assert_problem(c.pay(user, o["orderId"]), 409, "ORDER_NOT_PAYABLE")
    assert c.balance(user) == 10_000
    assert c.history(user)["totalElements"] == 1
    deadline = time.monotonic() + 6
    while c.order_status(o["orderId"], user) != "EXPIRED":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert c.stock(p) == 10
    assert c.user_coupon_status(user, uc["userCouponId"]) == "AVAILABLE"


def test_expiry_keeps_its_pace_while_the_request_pool_is_saturated(start_server, sql,
                                                                    database_url):
    """The sweeper has connections of its own: requests holding every pooled connection
    (here, charges stuck behind a row lock) do not hold the stock back."""
    import threading
    import uuid

    from apiclient import Client
    from test_deadlines import LockHolder

    sp = start_server({"ORDER_PAYMENT_TIMEOUT_SECONDS": str(TIMEOUT), "HTTP_THREADS": "1",
                       "DB_POOL_SIZE": "2", "REQUEST_DEADLINE_MS": "30000"})
    c = sp.client
    user = c.create_user()
    blocked_user = c.create_user()
    p = c.create_product(price=10, stock=10)
    order = c.order_ok(user, [(p, 3)])
    assert c.stock(p) == 7

    holder = LockHolder(database_url,
                        f"SELECT 1 FROM point_wallets WHERE user_id = {blocked_user} FOR UPDATE")
    stop = threading.Event()

    def saturate():
        # Keyed charges: each takes a pooled connection of its own (unkeyed ones of one loop
        # share a batch, hence one connection).
        while not stop.is_set():
            try:
                Client("127.0.0.1", sp.port, timeout=30).call(
                    "POST", "/api/v1/points/charge", {"userId": blocked_user, "amount": 1},
                    headers={"Idempotency-Key": uuid.uuid4().hex})
            except OSError:
                pass

    workers = [threading.Thread(target=saturate, daemon=True) for _ in range(8)]
    try:
        for w in workers:
            w.start()
        time.sleep(0.5)
        # Every pooled connection is taken: the charges wait on the lock, the rest queue.
        busy = sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ecommerce' "
                   "AND wait_event_type = 'Lock' AND datname = current_database()")
        assert int(busy[0][0]) >= 2, busy
        deadline = parse_kst(order["expiresAt"]) + dt.timedelta(seconds=5)
        while sql(f"SELECT stock FROM products WHERE id = {p}") != [("10",)]:
            assert dt.datetime.now(dt.timezone.utc) < deadline, \
                "stock not back within 5 s of expiresAt while the request pool was saturated"
            time.sleep(0.1)
        assert sql(f"SELECT status FROM orders WHERE id = {order['orderId']}") == [("EXPIRED",)]
    finally:
        stop.set()
        holder.release()
        for w in workers:
            w.join(timeout=35)
    assert sp.terminate(timeout=15) == 0
