"""Two service instances on one database: the invariants hold however requests interleave.
Requests are spread evenly across both instances; only outcomes are asserted, not timings."""

import concurrent.futures as cf
import datetime as dt
import random
import threading
import time
from collections import Counter

import pytest

from apiclient import assert_problem, parse_kst

WORKERS = 64


@pytest.fixture(scope="module")
def pair(start_server):
    sps = [start_server() for _ in range(2)]
    yield [sp.client for sp in sps]
    for sp in sps:
        assert sp.terminate() == 0


def fire(fn, jobs, workers=WORKERS):
    """Run fn(i, job) for every job on `workers` threads, released together."""
    gate = threading.Barrier(min(workers, len(jobs)))

    def run(ij):
        i, job = ij
        if i < gate.parties:
            try:
                gate.wait(timeout=10)
            except threading.BrokenBarrierError:
                pass
        return fn(i, job)

    with cf.ThreadPoolExecutor(workers) as ex:
        return list(ex.map(run, list(enumerate(jobs))))


def make_users(pair, n):
    return fire(lambda i, _: pair[i % 2].create_user(), range(n), workers=32)


def no_5xx(results):
    bad = [(r.status, r.raw[:200]) for r in results if r.status >= 500]
    assert not bad, bad[:5]


def test_coupon_race_400_users_for_50(pair, sql):
    a, _ = pair
    coupon = a.create_coupon(totalQuantity=50)
    cid = coupon["id"]
    users = make_users(pair, 400)
    rs = fire(lambda i, u: pair[i % 2].issue(u, cid), users)
    no_5xx(rs)
    assert Counter(r.status for r in rs) == {201: 50, 409: 350}
    for r in rs:
        if r.status == 409:
            assert_problem(r, 409, "COUPON_SOLD_OUT")
    winners = [r.json for r in rs if r.status == 201]
    assert len({w["userId"] for w in winners}) == 50
    assert len({w["userCouponId"] for w in winners}) == 50
    assert all(w["couponId"] == cid and w["status"] == "AVAILABLE" for w in winners)
    for c in pair:
        assert c.coupon(cid)["remainingQuantity"] == 0
    assert sql(f"SELECT count(*), count(DISTINCT user_id) FROM user_coupons "
               f"WHERE coupon_id = {cid}") == [("50", "50")]


def test_one_user_twenty_concurrent_issues(pair, sql):
    a, b = pair
    cid = a.create_coupon(totalQuantity=100)["id"]
    user = a.create_user()
    rs = fire(lambda i, _: pair[i % 2].issue(user, cid), range(20))
    no_5xx(rs)
    assert Counter(r.status for r in rs) == {201: 1, 409: 19}
    for r in rs:
        if r.status == 409:
            assert_problem(r, 409, "COUPON_ALREADY_ISSUED")
    assert b.coupon(cid)["remainingQuantity"] == 99
    assert len(b.user_coupons(user)) == 1
    assert sql(f"SELECT count(*) FROM user_coupons WHERE coupon_id = {cid}") == [("1",)]


def test_300_single_unit_orders_for_100_units(pair, sql):
    a, b = pair
    p = a.create_product(price=10, stock=100)
    users = make_users(pair, 300)
    rs = fire(lambda i, u: pair[i % 2].order(u, [(p, 1)]), users)
    no_5xx(rs)
    assert Counter(r.status for r in rs) == {201: 100, 409: 200}
    for r in rs:
        if r.status == 409:
            assert_problem(r, 409, "OUT_OF_STOCK")
    assert a.stock(p) == 0 and b.stock(p) == 0
    assert len({r.json["orderId"] for r in rs if r.status == 201}) == 100
    assert sql(f"SELECT coalesce(sum(i.quantity), 0) FROM order_items i JOIN orders o "
               f"ON o.id = i.order_id WHERE i.product_id = {p} AND o.status = 'NOT_PAID'") \
        == [("100",)]


def test_overlapping_multi_line_orders_conserve_stock(pair):
    a, b = pair
    initial = [250, 300, 200, 275, 225]
    ps = [a.create_product(price=100 * (k + 1), stock=s) for k, s in enumerate(initial)]
    users = make_users(pair, 20)
    rnd = random.Random(20261123)
    jobs = []
    for i in range(200):
        lines = [(p, rnd.randint(1, 5)) for p in ps]
        if i % 2:
            lines.reverse()
        if i % 5 == 0:
            rnd.shuffle(lines)
        jobs.append((users[i % len(users)], lines))
    rs = fire(lambda i, j: pair[i % 2].order(j[0], j[1]), jobs)
    no_5xx(rs)
    statuses = Counter(r.status for r in rs)
    assert set(statuses) <= {201, 409}, statuses
    assert statuses[201] > 0 and statuses[409] > 0, statuses   # the stock is meant to run out
    taken = Counter()
    for (u, lines), r in zip(jobs, rs):
        if r.status == 201:
            want = sorted(lines)
            assert [(it["productId"], it["quantity"]) for it in r.json["items"]] == want
            assert r.json["status"] == "NOT_PAID" and r.json["userId"] == u
            for p, q in lines:
                taken[p] += q
        else:
            assert_problem(r, 409, "OUT_OF_STOCK")
    for k, p in enumerate(ps):
        left = pair[k % 2].stock(p)
        assert left >= 0
        assert initial[k] == left + taken[p], (p, initial[k], left, taken[p])


def test_concurrent_payments_balance_covers_one(pair, sql):
    a, b = pair
    p = a.create_product(price=1000, stock=100)
    users = make_users(pair, 30)
    orders = []
    for i, u in enumerate(users):
        c = pair[i % 2]
        assert c.charge(u, 1500).status == 200
        orders.append((u, c.order_ok(u, [(p, 1)])["orderId"], c.order_ok(u, [(p, 1)])["orderId"]))
    assert a.stock(p) == 40
    jobs = [(u, o) for u, o1, o2 in orders for o in (o1, o2)]
    # the two payments of one user go to different instances
    rs = fire(lambda i, j: pair[i % 2].pay(*j), jobs)
    no_5xx(rs)
    for k, (u, o1, o2) in enumerate(orders):
        r1, r2 = rs[2 * k], rs[2 * k + 1]
        assert sorted([r1.status, r2.status]) == [200, 409], (r1.raw, r2.raw)
        ok, bad = (r1, r2) if r1.status == 200 else (r2, r1)
        paid_id, lost_id = (o1, o2) if r1.status == 200 else (o2, o1)
        assert_problem(bad, 409, "INSUFFICIENT_BALANCE")
        assert ok.json["balance"] == 500 and ok.json["orderId"] == paid_id
        assert a.balance(u) == 500
        assert b.order_status(paid_id, u) == "PAID"
        assert a.order_status(lost_id, u) == "EXPIRED"
    assert a.stock(p) == 100 - 30 and b.stock(p) == 70
    assert sql("SELECT sum(quantity) FROM (SELECT sales_date, product_id, quantity FROM "
               "daily_product_sales UNION ALL SELECT sales_date, product_id, quantity FROM "
               f"sales_pending) s WHERE product_id = {p} AND "
               "sales_date = (now() AT TIME ZONE 'Asia/Seoul')::date") == [("30",)]


def test_concurrent_cancels_restore_once(pair):
    a, b = pair
    p = a.create_product(price=10, stock=100)
    user = a.create_user()
    uc = a.issue_ok(user, a.create_coupon()["id"])["userCouponId"]
    o = a.order_ok(user, [(p, 7)], uc)["orderId"]
    rs = fire(lambda i, _: pair[i % 2].cancel(o, user), range(20))
    no_5xx(rs)
    assert Counter(r.status for r in rs) == {200: 1, 409: 19}
    for r in rs:
        if r.status == 409:
            assert_problem(r, 409, "ORDER_NOT_PAYABLE")
    assert a.stock(p) == 100
    assert b.user_coupon_status(user, uc) == "AVAILABLE"


def test_orders_racing_restocks_conserve_stock(pair):
    a, b = pair
    p = a.create_product(price=10, stock=20)
    users = make_users(pair, 100)
    jobs = [("order", u) for u in users] + [("restock", None)] * 40
    random.Random(3).shuffle(jobs)
    rs = fire(lambda i, j: pair[i % 2].order(j[1], [(p, 1)]) if j[0] == "order"
              else pair[i % 2].add_stock(p, 1), jobs)
    no_5xx(rs)
    ordered = 0
    for (kind, _), r in zip(jobs, rs):
        if kind == "restock":
            assert r.status == 200, r.raw
        elif r.status == 201:
            ordered += 1
        else:
            assert_problem(r, 409, "OUT_OF_STOCK")
    assert ordered >= 20
    assert b.stock(p) == 20 + 40 - ordered


def test_pay_and_cancel_race_one_winner(pair):
    a, b = pair
    p = a.create_product(price=100, stock=200)
    users = make_users(pair, 50)
    orders = []
    for i, u in enumerate(users):
        assert pair[i % 2].charge(u, 1000).status == 200
        orders.append((u, pair[i % 2].order_ok(u, [(p, 2)])["orderId"]))
    assert a.stock(p) == 100
    jobs = [("pay", u, o) for u, o in orders] + [("cancel", u, o) for u, o in orders]
    jobs = [j for pairs in zip(jobs[:50], jobs[50:]) for j in pairs]   # pay, cancel, pay, ...
    rs = fire(lambda i, j: pair[i % 2].pay(j[1], j[2]) if j[0] == "pay"
              else pair[i % 2].cancel(j[2], j[1]), jobs)
    no_5xx(rs)
    paid = 0
    for k, (u, o) in enumerate(orders):
        rp, rc = rs[2 * k], rs[2 * k + 1]
        assert sorted([rp.status, rc.status]) == [200, 409], (rp.raw, rc.raw)
        assert_problem(rp if rp.status == 409 else rc, 409, "ORDER_NOT_PAYABLE")
        st = a.order_status(o, u)
        if rp.status == 200:
            paid += 1
            assert st == "PAID" and a.balance(u) == 800
        else:
            assert st == "CANCELLED" and a.balance(u) == 1000
    assert b.stock(p) == 200 - 2 * paid


def test_one_coupon_in_concurrent_orders_is_used_once(pair):
    a, b = pair
    p = a.create_product(price=1000, stock=100)
    user = a.create_user()
    uc = a.issue_ok(user, a.create_coupon(discountValue=100)["id"])["userCouponId"]
    rs = fire(lambda i, _: pair[i % 2].order(user, [(p, 1)], uc), range(20))
    no_5xx(rs)
    assert Counter(r.status for r in rs) == {201: 1, 409: 19}
    for r in rs:
        if r.status == 409:
            assert_problem(r, 409, "COUPON_NOT_USABLE")
    assert b.stock(p) == 99
    assert b.user_coupon_status(user, uc) == "USED"


@pytest.fixture(scope="module")
def fast_pair(start_server):
    sps = [start_server({"ORDER_PAYMENT_TIMEOUT_SECONDS": "2"}) for _ in range(2)]
    yield [sp.client for sp in sps]
    for sp in sps:
        assert sp.terminate() == 0


def test_unpaid_orders_expire_once_across_instances(fast_pair):
    a, b = fast_pair
    ps = [a.create_product(price=100, stock=100) for _ in range(3)]
    users = make_users(fast_pair, 30)
    cid = a.create_coupon(totalQuantity=30, discountValue=50)["id"]
    ucs = [fast_pair[i % 2].issue_ok(u, cid)["userCouponId"] for i, u in enumerate(users)]
    rnd = random.Random(7)
    jobs = [(u, [(p, rnd.randint(1, 3)) for p in ps], ucs[i] if i % 2 else None)
            for i, u in enumerate(users)]
    rs = fire(lambda i, j: fast_pair[i % 2].order(*j), jobs)
    assert [r.status for r in rs] == [201] * 30, [(r.status, r.raw[:100]) for r in rs
                                                  if r.status != 201]
    taken = Counter()
    for _, lines, _ in jobs:
        for p, q in lines:
            taken[p] += q
    assert [a.stock(p) for p in ps] == [100 - taken[p] for p in ps]
    last = max(parse_kst(r.json["expiresAt"]) for r in rs)

    deadline = last + dt.timedelta(seconds=5)
    pending = {(r.json["orderId"], u) for r, (u, _, _) in zip(rs, jobs)}
    while pending:
        assert dt.datetime.now(dt.timezone.utc) < deadline, f"{len(pending)} not expired"
        pending = {(o, u) for k, (o, u) in enumerate(sorted(pending))
                   if fast_pair[k % 2].order_status(o, u) != "EXPIRED"}
        if pending:
            time.sleep(0.3)
    assert [b.stock(p) for p in ps] == [100] * 3
    for i, u in enumerate(users):
        assert fast_pair[i % 2].user_coupon_status(u, ucs[i]) == "AVAILABLE"
    time.sleep(1.5)
    assert [a.stock(p) for p in ps] == [100] * 3     # restored exactly once


def test_payments_racing_expiry_are_consistent(fast_pair):
    """Pay each order right around its expiresAt: it ends either PAID (charged, stock kept)
    or EXPIRED (not charged, stock back), never both or neither."""
    a, b = fast_pair
    p = a.create_product(price=100, stock=200)
    users = make_users(fast_pair, 40)
    for i, u in enumerate(users):
        assert fast_pair[i % 2].charge(u, 1000).status == 200
    orders = fire(lambda i, u: fast_pair[i % 2].order_ok(u, [(p, 2)]), users)
    assert a.stock(p) == 200 - 80

    def pay_near_expiry(i, uo):
        u, o = uo
        target = parse_kst(o["expiresAt"]) + dt.timedelta(milliseconds=(i % 9 - 4) * 40)
        left = (target - dt.datetime.now(dt.timezone.utc)).total_seconds()
        if left > 0:
            time.sleep(left)
        return fast_pair[i % 2].pay(u, o["orderId"])

    rs = fire(pay_near_expiry, list(zip(users, orders)))
    no_5xx(rs)
    paid = 0
    for i, (u, o, r) in enumerate(zip(users, orders, rs)):
        c = fast_pair[(i + 1) % 2]
        if r.status == 200:
            paid += 1
            assert r.json["balance"] == 800
            assert c.order_status(o["orderId"], u) == "PAID"
            assert c.balance(u) == 800
        else:
            assert_problem(r, 409, "ORDER_NOT_PAYABLE")
            assert c.balance(u) == 1000
    want = +Counter({"PAID": paid, "EXPIRED": 40 - paid})   # (+ drops zero counts)
    deadline = time.monotonic() + 7
    while True:
        st = Counter(fast_pair[i % 2].order_status(o["orderId"], u)
                     for i, (u, o) in enumerate(zip(users, orders)))
        if st == want or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert st == want, (st, want)
    assert b.stock(p) == 200 - 2 * paid
