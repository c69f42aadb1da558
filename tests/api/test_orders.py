"""Orders: creation (stock, merging, coupons, discounts), lookup, cancel."""

import datetime as dt
import re

import pytest

from apiclient import assert_json_ok, assert_problem, assert_recent, parse_kst

ORDERS = "/api/v1/orders"
NO_SUCH_ID = 9223372036854775807
JSON = {"Content-Type": "application/json"}
ORDER_KEYS = {"orderId", "userId", "status", "items", "totalAmount", "discountAmount",
              "payAmount", "userCouponId", "createdAt", "expiresAt", "paidAt"}


def post_raw(client, raw):
    return client.call("POST", ORDERS, raw=raw, headers=JSON)


# ---- create: success ----------------------------------------------------------------------

def test_create_order_201_shape(client, user):
    p1 = client.create_product(price=1000, stock=10)
    p2 = client.create_product(price=250, stock=5)
    r = client.order(user, [(p2, 3), (p1, 2)])
    o = assert_json_ok(r, 201)
    assert set(o) == ORDER_KEYS
    assert type(o["orderId"]) is int and o["orderId"] > 0
    assert o["userId"] == user and o["status"] == "NOT_PAID"
    assert o["items"] == [{"productId": p1, "quantity": 2, "unitPrice": 1000, "amount": 2000},
                          {"productId": p2, "quantity": 3, "unitPrice": 250, "amount": 750}]
    assert (o["totalAmount"], o["discountAmount"], o["payAmount"]) == (2750, 0, 2750)
    assert o["userCouponId"] is None and o["paidAt"] is None
    assert_recent(o["createdAt"], 60)
    assert parse_kst(o["expiresAt"]) - parse_kst(o["createdAt"]) == dt.timedelta(seconds=600)
    assert client.stock(p1) == 8 and client.stock(p2) == 2


def test_get_order_returns_same_body(client, user):
    p = client.create_product(price=300, stock=3)
    o = client.order_ok(user, [(p, 1)])
    r = client.get_order(o["orderId"], user)
    assert assert_json_ok(r) == o


def test_order_can_take_exact_remaining_stock(client, user):
    p = client.create_product(price=1, stock=7)
    o = client.order_ok(user, [(p, 7)])
    assert o["totalAmount"] == 7
    assert client.stock(p) == 0
    assert_problem(client.order(user, [(p, 1)]), 409, "OUT_OF_STOCK")


def test_duplicate_lines_are_merged_and_ordered_by_product(client, user):
    pa = client.create_product(price=10, stock=100)
    pb = client.create_product(price=20, stock=100)
    o = client.order_ok(user, [(pb, 1), (pa, 2), (pb, 3), (pa, 4)])
    assert o["items"] == [{"productId": pa, "quantity": 6, "unitPrice": 10, "amount": 60},
                          {"productId": pb, "quantity": 4, "unitPrice": 20, "amount": 80}]
    assert o["totalAmount"] == 140
    assert client.stock(pa) == 94 and client.stock(pb) == 96


def test_merged_quantity_of_exactly_1000_is_accepted(client, user):
    p = client.create_product(price=1, stock=2000)
    o = client.order_ok(user, [(p, 500), (p, 500)])
    assert o["items"] == [{"productId": p, "quantity": 1000, "unitPrice": 1, "amount": 1000}]
    assert client.stock(p) == 1000


def test_merged_quantity_over_1000_is_invalid_amount(client, user):
    p = client.create_product(price=1, stock=5000)
    assert_problem(client.order(user, [(p, 600), (p, 401)]), 400, "INVALID_AMOUNT")
    assert_problem(client.order(user, [(p, 1001)]), 400, "INVALID_AMOUNT")
    assert client.stock(p) == 5000


def test_fifty_lines_accepted(client, user):
    ps = [client.create_product(price=i, stock=1) for i in range(50)]
    o = client.order_ok(user, [(p, 1) for p in reversed(ps)])
    assert [i["productId"] for i in o["items"]] == sorted(ps)
    assert o["totalAmount"] == sum(range(50))
    assert all(client.stock(p) == 0 for p in ps[:3])


def test_fifty_lines_of_one_product_are_accepted(client, user):
    p = client.create_product(price=2, stock=100)
    o = client.order_ok(user, [(p, 1)] * 50)
    assert o["items"] == [{"productId": p, "quantity": 50, "unitPrice": 2, "amount": 100}]


def test_free_products(client, user):
    p = client.create_product(price=0, stock=3)
    o = client.order_ok(user, [(p, 3)])
    assert (o["totalAmount"], o["discountAmount"], o["payAmount"]) == (0, 0, 0)


# ---- create: invalid ----------------------------------------------------------------------

@pytest.mark.parametrize("items", [
    "[]", "null", "{}", '"x"', "5", "[1]", "[[1, 1]]", "[null]",
    "[" + ",".join(['{"productId": %(p)d, "quantity": 1}'] * 51) + "]",
], ids=["empty", "null", "object", "string", "number", "int-line", "array-line", "null-line",
        "51-lines"])
def test_bad_items_is_invalid_request(client, user, items):
    p = client.create_product(stock=100)
    raw = ('{"userId": %d, "items": ' % user + items % {"p": p} + "}").encode()
    assert_problem(post_raw(client, raw), 400, "INVALID_REQUEST")
    assert client.stock(p) == 100


@pytest.mark.parametrize("line", [
    '{"quantity": 1}', '{"productId": 0, "quantity": 1}', '{"productId": -1, "quantity": 1}',
    '{"productId": "%(p)d", "quantity": 1}', '{"productId": 1.5, "quantity": 1}',
    '{"productId": null, "quantity": 1}', '{"productId": 9223372036854775808, "quantity": 1}',
    '{"productId": %(p)d}', '{"productId": %(p)d, "quantity": 1.5}',
    '{"productId": %(p)d, "quantity": "1"}', '{"productId": %(p)d, "quantity": null}',
    '{"productId": %(p)d, "quantity": true}',
    '{"productId": %(p)d, "quantity": 9223372036854775808}',
])
def test_bad_line_is_invalid_request(client, user, line):
    p = client.create_product(stock=100)
    good = '{"productId": %d, "quantity": 1}' % p
    raw = ('{"userId": %d, "items": [%s, %s]}' % (user, good, line % {"p": p})).encode()
    assert_problem(post_raw(client, raw), 400, "INVALID_REQUEST")
    assert client.stock(p) == 100


@pytest.mark.parametrize("q", [0, -1, 1001, 9223372036854775807, -9223372036854775808])
def test_quantity_out_of_range_is_invalid_amount(client, user, q):
    p = client.create_product(stock=100)
    assert_problem(client.order(user, [(p, 1), (p, q)] if q > 0 else [(p, q)]), 400,
                   "INVALID_AMOUNT")
    assert client.stock(p) == 100


@pytest.mark.parametrize("body", [
    '{"items": [{"productId": %(p)d, "quantity": 1}]}',
    '{"userId": 0, "items": [{"productId": %(p)d, "quantity": 1}]}',
    '{"userId": "%(u)d", "items": [{"productId": %(p)d, "quantity": 1}]}',
    '{"userId": %(u)d}',
    '{"userId": %(u)d, "items": [{"productId": %(p)d, "quantity": 1}], "userCouponId": 0}',
    '{"userId": %(u)d, "items": [{"productId": %(p)d, "quantity": 1}], "userCouponId": "1"}',
    '{"userId": %(u)d, "items": [{"productId": %(p)d, "quantity": 1}], "userCouponId": 1.5}',
    '[]', '{',
], ids=lambda b: b[:60])
def test_bad_body_is_invalid_request(client, user, body):
    p = client.create_product(stock=100)
    assert_problem(post_raw(client, (body % {"p": p, "u": user}).encode()), 400,
                   "INVALID_REQUEST")
    assert client.stock(p) == 100


def test_non_json_is_415(client, user):
    p = client.create_product(stock=100)
    r = client.call("POST", ORDERS,
                    raw=b'{"userId": %d, "items": [{"productId": %d, "quantity": 1}]}' % (user, p),
                    headers={"Content-Type": "text/plain"})
    assert_problem(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert client.stock(p) == 100


def test_validation_before_lookup(client):
    # 400s come before 404s
    assert_problem(client.order(NO_SUCH_ID, [(NO_SUCH_ID, 0)]), 400, "INVALID_AMOUNT")
    assert_problem(client.order(NO_SUCH_ID, [(0, 1)]), 400, "INVALID_REQUEST")
    assert_problem(client.order(NO_SUCH_ID, []), 400, "INVALID_REQUEST")


def test_unknown_user_is_404(client):
    p = client.create_product(stock=10)
    assert_problem(client.order(NO_SUCH_ID, [(p, 1)]), 404, "USER_NOT_FOUND")
    assert_problem(client.order(NO_SUCH_ID, [(NO_SUCH_ID, 1)]), 404, "USER_NOT_FOUND")
    assert client.stock(p) == 10


def test_unknown_product_is_404_and_takes_nothing(client, user):
    p = client.create_product(stock=10)
    assert_problem(client.order(user, [(p, 2), (NO_SUCH_ID, 1)]), 404, "PRODUCT_NOT_FOUND")
    assert client.stock(p) == 10


def test_unknown_product_beats_out_of_stock(client, user):
    p = client.create_product(stock=1)
    assert_problem(client.order(user, [(p, 5), (NO_SUCH_ID, 1)]), 404, "PRODUCT_NOT_FOUND")
    assert client.stock(p) == 1


def test_out_of_stock_names_product_and_takes_nothing(client, user):
    ok1 = client.create_product(stock=10)
    short = client.create_product(stock=3)
    ok2 = client.create_product(stock=10)
    r = client.order(user, [(ok1, 5), (short, 4), (ok2, 5)])
    assert_problem(r, 409, "OUT_OF_STOCK")
    assert re.search(rf"\b{short}\b", r.json["detail"]), r.json
    assert (client.stock(ok1), client.stock(short), client.stock(ok2)) == (10, 3, 10)


def test_out_of_stock_after_merge(client, user):
    p = client.create_product(stock=5)
    r = client.order(user, [(p, 3), (p, 3)])
    assert_problem(r, 409, "OUT_OF_STOCK")
    assert re.search(rf"\b{p}\b", r.json["detail"]), r.json
    assert client.stock(p) == 5


# ---- coupons and discounts ----------------------------------------------------------------

@pytest.mark.parametrize("dtype,value,total,discount", [
    ("FIXED", 3000, 10_000, 3000),
    ("FIXED", 5000, 2000, 2000),       # never below 0
    ("FIXED", 2000, 2000, 2000),
    ("RATE", 15, 3333, 499),           # floor(499.95)
    ("RATE", 10, 999, 99),             # floor(99.9)
    ("RATE", 100, 4321, 4321),
    ("RATE", 1, 99, 0),
    ("RATE", 50, 0, 0),
    ("FIXED", 1, 0, 0),
])
def test_discounts(client, user, dtype, value, total, discount):
    p = client.create_product(price=total, stock=1)
    c = client.create_coupon(discountType=dtype, discountValue=value)
    uc = client.issue_ok(user, c["id"])
    o = client.order_ok(user, [(p, 1)], uc["userCouponId"])
    assert (o["totalAmount"], o["discountAmount"], o["payAmount"], o["userCouponId"]) == \
        (total, discount, total - discount, uc["userCouponId"])
    assert client.get_order(o["orderId"], user).json == o


def test_rate_discount_applies_to_whole_total(client, user):
    a = client.create_product(price=333, stock=10)
    b = client.create_product(price=1001, stock=10)
    uc = client.issue_ok(user, client.create_coupon(discountType="RATE", discountValue=7)["id"])
    o = client.order_ok(user, [(a, 3), (b, 2)], uc["userCouponId"])
    total = 333 * 3 + 1001 * 2
    assert (o["totalAmount"], o["discountAmount"]) == (total, total * 7 // 100)


def test_coupon_becomes_used_and_cannot_be_reused(client, user):
    p = client.create_product(price=5000, stock=10)
    uc = client.issue_ok(user, client.create_coupon(discountValue=1000)["id"])
    client.order_ok(user, [(p, 1)], uc["userCouponId"])
    assert client.user_coupon_status(user, uc["userCouponId"]) == "USED"
    r = client.order(user, [(p, 1)], uc["userCouponId"])
    assert_problem(r, 409, "COUPON_NOT_USABLE")
    assert client.stock(p) == 9


def test_other_users_coupon_is_not_usable(client):
    a, b = client.create_user(), client.create_user()
    p = client.create_product(price=5000, stock=10)
    uc = client.issue_ok(a, client.create_coupon()["id"])
    assert_problem(client.order(b, [(p, 1)], uc["userCouponId"]), 409, "COUPON_NOT_USABLE")
    assert client.stock(p) == 10
    assert client.user_coupon_status(a, uc["userCouponId"]) == "AVAILABLE"


def test_nonexistent_user_coupon_is_not_usable(client, user):
    p = client.create_product(stock=10)
    assert_problem(client.order(user, [(p, 1)], NO_SUCH_ID), 409, "COUPON_NOT_USABLE")
    assert client.stock(p) == 10


def test_expired_coupon_is_not_usable(client, user, sql):
    p = client.create_product(stock=10)
    uc = client.issue_ok(user, client.create_coupon()["id"])
    sql(f"UPDATE user_coupons SET expires_at = now() - interval '1 second' "
        f"WHERE id = {uc['userCouponId']}")
    assert_problem(client.order(user, [(p, 1)], uc["userCouponId"]), 409, "COUPON_NOT_USABLE")
    assert client.stock(p) == 10
    assert client.user_coupon_status(user, uc["userCouponId"]) == "EXPIRED"


def test_failed_order_leaves_coupon_available(client, user):
    p = client.create_product(price=100, stock=1)
    uc = client.issue_ok(user, client.create_coupon()["id"])
    assert_problem(client.order(user, [(p, 2)], uc["userCouponId"]), 409, "OUT_OF_STOCK")
    assert_problem(client.order(user, [(p, 1), (NO_SUCH_ID, 1)], uc["userCouponId"]), 404,
                   "PRODUCT_NOT_FOUND")
    assert client.user_coupon_status(user, uc["userCouponId"]) == "AVAILABLE"
    assert client.stock(p) == 1
    o = client.order_ok(user, [(p, 1)], uc["userCouponId"])
    assert o["userCouponId"] == uc["userCouponId"]


def test_unknown_product_beats_coupon_not_usable(client, user):
    assert_problem(client.order(user, [(NO_SUCH_ID, 1)], NO_SUCH_ID), 404, "PRODUCT_NOT_FOUND")


def test_unknown_user_beats_coupon_not_usable(client):
    p = client.create_product(stock=1)
    assert_problem(client.order(NO_SUCH_ID, [(p, 1)], NO_SUCH_ID), 404, "USER_NOT_FOUND")


# ---- get ----------------------------------------------------------------------------------

def test_get_other_users_order_is_404(client):
    a, b = client.create_user(), client.create_user()
    p = client.create_product(stock=1)
    o = client.order_ok(a, [(p, 1)])
    assert_problem(client.get_order(o["orderId"], b), 404, "ORDER_NOT_FOUND")


def test_unknown_user_is_user_not_found_on_get_and_cancel(client, user):
    # "Every endpoint that takes a userId answers 404 USER_NOT_FOUND for a user that does
    # not exist" -- also when the order exists (it belongs to someone else)
    p = client.create_product(stock=1)
    o = client.order_ok(user, [(p, 1)])
    assert_problem(client.get_order(o["orderId"], NO_SUCH_ID), 404, "USER_NOT_FOUND")
    assert_problem(client.cancel(o["orderId"], NO_SUCH_ID), 404, "USER_NOT_FOUND")
    assert client.order_status(o["orderId"], user) == "NOT_PAID"


def test_get_unknown_order_is_404(client, user):
    assert_problem(client.get_order(NO_SUCH_ID, user), 404, "ORDER_NOT_FOUND")


@pytest.mark.parametrize("query", ["", "?userId=", "?userId=abc", "?userId=0", "?userId=-1",
                                   "?userId=1.5"])
def test_get_order_bad_user_id_is_400(client, user, query):
    p = client.create_product(stock=1)
    o = client.order_ok(user, [(p, 1)])
    assert_problem(client.call("GET", f"{ORDERS}/{o['orderId']}{query}"), 400,
                   "INVALID_REQUEST")


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.5", "9223372036854775808"])
def test_get_order_bad_id_is_400(client, user, bad):
    assert_problem(client.call("GET", f"{ORDERS}/{bad}?userId={user}"), 400, "INVALID_REQUEST")


# ---- cancel -------------------------------------------------------------------------------

def test_cancel_returns_stock_and_coupon(client, user):
    a = client.create_product(price=1000, stock=10)
    b = client.create_product(price=500, stock=4)
    uc = client.issue_ok(user, client.create_coupon(discountValue=700)["id"])
    o = client.order_ok(user, [(a, 3), (b, 4)], uc["userCouponId"])
    assert (client.stock(a), client.stock(b)) == (7, 0)
    r = client.cancel(o["orderId"], user)
    body = assert_json_ok(r)
    assert body == {**o, "status": "CANCELLED"}
    assert client.get_order(o["orderId"], user).json == body
    assert (client.stock(a), client.stock(b)) == (10, 4)
    assert client.user_coupon_status(user, uc["userCouponId"]) == "AVAILABLE"
    # the coupon works again
    o2 = client.order_ok(user, [(b, 1)], uc["userCouponId"])
    assert (o2["discountAmount"], o2["payAmount"]) == (500, 0)
    assert client.user_coupon_status(user, uc["userCouponId"]) == "USED"


def test_cancel_twice_is_not_payable_and_restores_once(client, user):
    p = client.create_product(stock=5)
    o = client.order_ok(user, [(p, 2)])
    assert client.cancel(o["orderId"], user).status == 200
    assert_problem(client.cancel(o["orderId"], user), 409, "ORDER_NOT_PAYABLE")
    assert client.stock(p) == 5
    assert client.order_status(o["orderId"], user) == "CANCELLED"


def test_cancel_paid_order_is_not_payable(client, user):
    p = client.create_product(price=100, stock=5)
    client.charge(user, 1000)
    o = client.order_ok(user, [(p, 2)])
    assert client.pay(user, o["orderId"]).status == 200
    assert_problem(client.cancel(o["orderId"], user), 409, "ORDER_NOT_PAYABLE")
    assert client.stock(p) == 3
    assert client.order_status(o["orderId"], user) == "PAID"


def test_cancel_other_users_order_is_404_and_changes_nothing(client):
    a, b = client.create_user(), client.create_user()
    p = client.create_product(stock=5)
    o = client.order_ok(a, [(p, 2)])
    assert_problem(client.cancel(o["orderId"], b), 404, "ORDER_NOT_FOUND")
    assert client.order_status(o["orderId"], a) == "NOT_PAID"
    assert client.stock(p) == 3


def test_cancel_unknown_order_is_404(client, user):
    assert_problem(client.cancel(NO_SUCH_ID, user), 404, "ORDER_NOT_FOUND")


@pytest.mark.parametrize("raw", [b"{}", b'{"userId": 0}', b'{"userId": "1"}', b"{"])
def test_cancel_bad_body_is_400(client, user, raw):
    p = client.create_product(stock=5)
    o = client.order_ok(user, [(p, 2)])
    r = client.call("POST", f"{ORDERS}/{o['orderId']}/cancel", raw=raw, headers=JSON)
    assert_problem(r, 400, "INVALID_REQUEST")
    assert client.order_status(o["orderId"], user) == "NOT_PAID"


@pytest.mark.parametrize("bad", ["0", "-1", "abc"])
def test_cancel_bad_order_id_is_400(client, user, bad):
    assert_problem(client.call("POST", f"{ORDERS}/{bad}/cancel", {"userId": user}), 400,
                   "INVALID_REQUEST")


@pytest.mark.parametrize("method,path", [
    ("DELETE", ORDERS), ("PUT", ORDERS),
    ("DELETE", f"{ORDERS}/1?userId=1"), ("POST", f"{ORDERS}/1?userId=1"),
    ("GET", f"{ORDERS}/1/cancel"), ("GET", "/api/v1/points/use"),
    ("POST", "/api/v1/coupons?userId=1"),
])
def test_wrong_method_is_405(client, method, path):
    body = {"userId": 1} if method in ("POST", "PUT") else None
    r = client.call(method, path, body)
    assert_problem(r, 405, "METHOD_NOT_ALLOWED")
    assert r.header("Allow"), "405 without Allow"
