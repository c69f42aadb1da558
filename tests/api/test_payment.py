"""Paying an order from the balance: POST /api/v1/points/use."""

import concurrent.futures as cf
import time

import pytest

from apiclient import assert_json_ok, assert_problem, assert_recent, parse_kst

USE = "/api/v1/points/use"
NO_SUCH_ID = 9223372036854775807
JSON = {"Content-Type": "application/json"}


def sold_today(sql, product_id) -> int:
    """Units of the product sold today (Seoul): folded statistics plus sales not folded yet."""
    rows = sql("SELECT coalesce(sum(quantity), 0) FROM ("
               "  SELECT sales_date, product_id, quantity FROM daily_product_sales"
               "  UNION ALL SELECT sales_date, product_id, quantity FROM sales_pending) s "
               "WHERE product_id = %d AND "
               "sales_date = (now() AT TIME ZONE 'Asia/Seoul')::date" % product_id)
    return int(rows[0][0])


def test_sales_are_folded_into_daily_statistics(client, user, sql):
    p = client.create_product(price=10, stock=100)
    client.charge(user, 1000)
    for quantity in (3, 4):
        o = client.order_ok(user, [(p, quantity)])
        assert_json_ok(client.pay(user, o["orderId"]))
    assert sold_today(sql, p) == 7  # exact at once, folded or not
    deadline = time.monotonic() + 5
    while sql(f"SELECT count(*) FROM sales_pending WHERE product_id = {p}") != [("0",)]:
        assert time.monotonic() < deadline, "pending sales were not folded within 5 s"
        time.sleep(0.1)
    assert sql(f"SELECT quantity FROM daily_product_sales WHERE product_id = {p} AND "
               "sales_date = (now() AT TIME ZONE 'Asia/Seoul')::date") == [("7",)]


def test_pay_success(client, user, sql):
    a = client.create_product(price=1200, stock=10)
    b = client.create_product(price=300, stock=10)
    client.charge(user, 10_000)
    uc = client.issue_ok(user, client.create_coupon(discountValue=500)["id"])
    o = client.order_ok(user, [(a, 2), (b, 3)], uc["userCouponId"])
    assert o["payAmount"] == 2400 + 900 - 500
    r = client.pay(user, o["orderId"])
    body = assert_json_ok(r)
    assert set(body) == {"orderId", "status", "paidAmount", "balance", "paidAt"}
    assert (body["orderId"], body["status"], body["paidAmount"], body["balance"]) == \
        (o["orderId"], "PAID", 2800, 7200)
    assert_recent(body["paidAt"], 60)
    assert client.balance(user) == 7200

    got = assert_json_ok(client.get_order(o["orderId"], user))
    assert got == {**o, "status": "PAID", "paidAt": got["paidAt"]}
    assert parse_kst(got["paidAt"]) == parse_kst(body["paidAt"])

    h = client.history(user)
    assert h["totalElements"] == 2
    top = h["content"][0]
    assert (top["type"], top["amount"], top["balanceAfter"], top["orderId"]) == \
        ("USE", 2800, 7200, o["orderId"])
    assert client.user_coupon_status(user, uc["userCouponId"]) == "USED"
    assert (client.stock(a), client.stock(b)) == (8, 7)


def test_pay_exact_balance(client, user):
    p = client.create_product(price=4321, stock=1)
    client.charge(user, 4321)
    o = client.order_ok(user, [(p, 1)])
    assert assert_json_ok(client.pay(user, o["orderId"]))["balance"] == 0
    assert client.balance(user) == 0


def test_pay_zero_amount_writes_no_history(client, user):
    p = client.create_product(price=1000, stock=1)
    client.charge(user, 50)
    uc = client.issue_ok(user, client.create_coupon(discountType="RATE",
                                                    discountValue=100)["id"])
    o = client.order_ok(user, [(p, 1)], uc["userCouponId"])
    assert o["payAmount"] == 0
    body = assert_json_ok(client.pay(user, o["orderId"]))
    assert (body["status"], body["paidAmount"], body["balance"]) == ("PAID", 0, 50)
    assert client.history(user)["totalElements"] == 1
    assert client.order_status(o["orderId"], user) == "PAID"


def test_pay_zero_amount_with_zero_balance(client, user):
    p = client.create_product(price=0, stock=1)
    o = client.order_ok(user, [(p, 1)])
    body = assert_json_ok(client.pay(user, o["orderId"]))
    assert (body["paidAmount"], body["balance"]) == (0, 0)
    assert client.history(user)["totalElements"] == 0


def test_insufficient_balance_expires_order_and_restores(client, user):
    p = client.create_product(price=1000, stock=5)
    client.charge(user, 1499)
    uc = client.issue_ok(user, client.create_coupon(discountValue=500)["id"])
    o = client.order_ok(user, [(p, 2)], uc["userCouponId"])
    assert o["payAmount"] == 1500 and client.stock(p) == 3
    assert_problem(client.pay(user, o["orderId"]), 409, "INSUFFICIENT_BALANCE")
    assert client.balance(user) == 1499
    assert client.history(user)["totalElements"] == 1
    got = assert_json_ok(client.get_order(o["orderId"], user))
    assert got == {**o, "status": "EXPIRED"}
    assert client.stock(p) == 5
    assert client.user_coupon_status(user, uc["userCouponId"]) == "AVAILABLE"
    # not payable any more, even after topping up
    client.charge(user, 10_000)
    assert_problem(client.pay(user, o["orderId"]), 409, "ORDER_NOT_PAYABLE")
    assert client.balance(user) == 11_499
    assert_problem(client.cancel(o["orderId"], user), 409, "ORDER_NOT_PAYABLE")
    # coupon reusable
    o2 = client.order_ok(user, [(p, 1)], uc["userCouponId"])
    assert o2["payAmount"] == 500


def test_pay_twice_is_not_payable(client, user):
    p = client.create_product(price=100, stock=5)
    client.charge(user, 1000)
    o = client.order_ok(user, [(p, 1)])
    assert client.pay(user, o["orderId"]).status == 200
    assert_problem(client.pay(user, o["orderId"]), 409, "ORDER_NOT_PAYABLE")
    assert client.balance(user) == 900
    assert client.history(user)["totalElements"] == 2


def test_pay_cancelled_is_not_payable(client, user):
    p = client.create_product(price=100, stock=5)
    client.charge(user, 1000)
    o = client.order_ok(user, [(p, 1)])
    assert client.cancel(o["orderId"], user).status == 200
    assert_problem(client.pay(user, o["orderId"]), 409, "ORDER_NOT_PAYABLE")
    assert client.balance(user) == 1000
    assert client.stock(p) == 5


def test_pay_other_users_order_is_404(client):
    a, b = client.create_user(), client.create_user()
    p = client.create_product(price=100, stock=5)
    client.charge(b, 1000)
    o = client.order_ok(a, [(p, 1)])
    assert_problem(client.pay(b, o["orderId"]), 404, "ORDER_NOT_FOUND")
    assert client.balance(b) == 1000
    assert client.order_status(o["orderId"], a) == "NOT_PAID"


def test_pay_unknown_order_is_404(client, user):
    assert_problem(client.pay(user, NO_SUCH_ID), 404, "ORDER_NOT_FOUND")


def test_pay_unknown_user_is_404(client, user):
    assert_problem(client.pay(NO_SUCH_ID, NO_SUCH_ID), 404, "USER_NOT_FOUND")
    p = client.create_product(price=0, stock=1)
    o = client.order_ok(user, [(p, 1)])
    assert_problem(client.pay(NO_SUCH_ID, o["orderId"]), 404, "USER_NOT_FOUND")
    assert client.order_status(o["orderId"], user) == "NOT_PAID"


@pytest.mark.parametrize("raw", [
    b"{}", b'{"userId": %(u)d}', b'{"orderId": %(o)d}', b'{"userId": 0, "orderId": %(o)d}',
    b'{"userId": %(u)d, "orderId": -1}', b'{"userId": %(u)d, "orderId": "%(o)d"}',
    b'{"userId": %(u)d, "orderId": 1.5}', b"[]", b"{",
], ids=lambda r: r.decode()[:40])
def test_pay_bad_body_is_400(client, user, raw):
    p = client.create_product(price=100, stock=5)
    client.charge(user, 1000)
    o = client.order_ok(user, [(p, 1)])
    r = client.call("POST", USE, raw=raw % {b"u": user, b"o": o["orderId"]}, headers=JSON)
    assert_problem(r, 400, "INVALID_REQUEST")
    assert client.balance(user) == 1000
    assert client.order_status(o["orderId"], user) == "NOT_PAID"


def test_concurrent_payments_of_one_order_pay_once(client, user):
    p = client.create_product(price=700, stock=5)
    client.charge(user, 10_000)
    o = client.order_ok(user, [(p, 2)])
    with cf.ThreadPoolExecutor(16) as ex:
        rs = list(ex.map(lambda _: client.pay(user, o["orderId"]), range(16)))
    ok = [r for r in rs if r.status == 200]
    assert len(ok) == 1, [(r.status, r.raw[:100]) for r in rs]
    for r in rs:
        if r.status != 200:
            assert_problem(r, 409, "ORDER_NOT_PAYABLE")
    assert client.balance(user) == 10_000 - 1400
    assert client.history(user)["totalElements"] == 2


def test_daily_sales_count_paid_units_only(client, user, sql):
    a = client.create_product(price=10, stock=100)
    b = client.create_product(price=20, stock=100)
    client.charge(user, 100_000)
    assert sold_today(sql, a) == 0 and sold_today(sql, b) == 0
    o1 = client.order_ok(user, [(a, 3), (b, 1)])
    assert sold_today(sql, a) == 0            # not paid yet
    assert client.pay(user, o1["orderId"]).status == 200
    assert (sold_today(sql, a), sold_today(sql, b)) == (3, 1)
    o2 = client.order_ok(user, [(a, 4)])
    assert client.pay(user, o2["orderId"]).status == 200
    assert (sold_today(sql, a), sold_today(sql, b)) == (7, 1)
    # cancelled and failed payments count nothing
    o3 = client.order_ok(user, [(a, 5), (b, 5)])
    client.cancel(o3["orderId"], user)
    poor = client.create_user()
    o4 = client.order_ok(poor, [(b, 2)])
    assert_problem(client.pay(poor, o4["orderId"]), 409, "INSUFFICIENT_BALANCE")
    assert (sold_today(sql, a), sold_today(sql, b)) == (7, 1)
    assert (client.stock(a), client.stock(b)) == (93, 99)
