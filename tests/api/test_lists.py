"""The read lists (issue 28): a user's orders, every order and every coupon kind for the
operator, and daily sales. Pagination, filters, auth and bad parameters."""

from __future__ import annotations

import datetime as dt

import pytest

from apiclient import ADMIN_TOKEN, KST, assert_json_ok, assert_problem, unique_name
from jwt_tokens import SECRET, bearer, claims_for, hs256

ORDERS = "/api/v1/orders"
ADMIN_ORDERS = "/api/v1/admin/orders"
ADMIN_COUPONS = "/api/v1/admin/coupons"
DAILY = "/api/v1/admin/stats/daily"
NO_SUCH_ID = 9223372036854775807


def today_kst() -> dt.date:
    return (dt.datetime.now(dt.timezone.utc) + KST).date()


def assert_page(body, page: int, size: int):
    assert set(body) == {"content", "page", "size", "totalElements"}, body
    assert body["page"] == page and body["size"] == size, body
    assert isinstance(body["content"], list) and len(body["content"]) <= size
    return body


@pytest.fixture(scope="module")
def shopper(client):
    """A user with five orders, oldest first: PAID, CANCELLED, NOT_PAID, NOT_PAID, PAID."""
    user = client.create_user()
    client.charge(user, 100_000)
    product = client.create_product(price=1000, stock=100)
    other = client.create_product(price=2500, stock=100)
    orders = []
    for lines in ([(product, 1)], [(product, 2)], [(product, 1), (other, 2)], [(other, 1)],
                  [(product, 3)]):
        orders.append(client.order_ok(user, lines))
    assert client.pay(user, orders[0]["orderId"]).status == 200
    assert client.cancel(orders[1]["orderId"], user).status == 200
    assert client.pay(user, orders[4]["orderId"]).status == 200
    return {"user": user, "orders": [o["orderId"] for o in orders], "product": product,
            "other": other}


# ---- GET /orders?userId= ------------------------------------------------------------------

def test_a_users_orders_newest_first_with_their_lines(client, shopper):
    body = assert_page(assert_json_ok(client.call("GET", f"{ORDERS}?userId={shopper['user']}")),
                       0, 20)
    assert body["totalElements"] == 5
    ids = [o["orderId"] for o in body["content"]]
    assert ids == list(reversed(shopper["orders"]))
    statuses = [o["status"] for o in body["content"]]
    assert statuses == ["PAID", "NOT_PAID", "NOT_PAID", "CANCELLED", "PAID"]
    # Each entry is the order as GET /orders/{id} gives it.
    for entry in body["content"]:
        one = assert_json_ok(client.get_order(entry["orderId"], shopper["user"]))
        assert entry == one
    two_lines = body["content"][2]
    assert [i["productId"] for i in two_lines["items"]] == sorted(
        [shopper["product"], shopper["other"]])
    assert two_lines["totalAmount"] == 1000 + 2 * 2500


def test_pages_split_the_list_without_overlap(client, shopper):
    seen = []
    for page in range(3):
        body = assert_page(assert_json_ok(client.call(
            "GET", f"{ORDERS}?userId={shopper['user']}&page={page}&size=2")), page, 2)
        assert body["totalElements"] == 5
        seen += [o["orderId"] for o in body["content"]]
    assert seen == list(reversed(shopper["orders"]))
    past = assert_json_ok(client.call("GET", f"{ORDERS}?userId={shopper['user']}&page=9&size=2"))
    assert past["content"] == [] and past["totalElements"] == 5


@pytest.mark.parametrize("status,expected", [("PAID", [4, 0]), ("NOT_PAID", [3, 2]),
                                             ("CANCELLED", [1]), ("EXPIRED", [])])
def test_status_filters_a_users_orders(client, shopper, status, expected):
    body = assert_json_ok(client.call("GET", f"{ORDERS}?userId={shopper['user']}&status={status}"))
    assert [o["orderId"] for o in body["content"]] == [shopper["orders"][i] for i in expected]
    assert body["totalElements"] == len(expected)
    assert all(o["status"] == status for o in body["content"])


def test_a_user_without_orders_has_an_empty_list(client):
    user = client.create_user()
    body = assert_json_ok(client.call("GET", f"{ORDERS}?userId={user}"))
    assert body == {"content": [], "page": 0, "size": 20, "totalElements": 0}


def test_an_unknown_user_is_not_found(client):
    assert_problem(client.call("GET", f"{ORDERS}?userId={NO_SUCH_ID}"), 404, "USER_NOT_FOUND")


@pytest.mark.parametrize("query", [
    "", "userId=0", "userId=-1", "userId=x", "userId=1&status=paid", "userId=1&status=",
    "userId=1&status=SHIPPED", "userId=1&page=-1", "userId=1&size=0", "userId=1&size=101",
    "userId=1&page=x", "userId=1&size=1.5",
])
def test_bad_query_parameters_are_invalid_requests(client, query):
    assert_problem(client.call("GET", f"{ORDERS}?{query}"), 400, "INVALID_REQUEST")


# ---- GET /admin/orders --------------------------------------------------------------------

def test_admin_orders_are_everyones_newest_first(client, shopper):
    other_user = client.create_user()
    newest = client.order_ok(other_user, [(shopper["product"], 1)])["orderId"]
    body = assert_page(assert_json_ok(client.admin("GET", f"{ADMIN_ORDERS}?size=100")), 0, 100)
    ids = [o["orderId"] for o in body["content"]]
    assert ids == sorted(ids, reverse=True)
    assert ids[0] == newest
    assert set(shopper["orders"]) <= set(ids)
    assert body["totalElements"] >= 6
    users = {o["userId"] for o in body["content"]}
    assert {shopper["user"], other_user} <= users


def test_admin_orders_by_status(client, shopper):
    for status in ("PAID", "NOT_PAID", "CANCELLED", "EXPIRED"):
        body = assert_json_ok(client.admin("GET", f"{ADMIN_ORDERS}?status={status}&size=100"))
        assert all(o["status"] == status for o in body["content"]), status
        ids = [o["orderId"] for o in body["content"]]
        assert ids == sorted(ids, reverse=True)
        all_pages = assert_json_ok(client.admin("GET", f"{ADMIN_ORDERS}?size=1"))
        assert body["totalElements"] <= all_pages["totalElements"]
    paid = assert_json_ok(client.admin("GET", f"{ADMIN_ORDERS}?status=PAID&size=100"))
    paid_ids = {o["orderId"] for o in paid["content"]}
    assert {shopper["orders"][0], shopper["orders"][4]} <= paid_ids
    assert shopper["orders"][1] not in paid_ids


def test_admin_order_pages_do_not_overlap(client):
    first = assert_json_ok(client.admin("GET", f"{ADMIN_ORDERS}?page=0&size=3"))
    second = assert_json_ok(client.admin("GET", f"{ADMIN_ORDERS}?page=1&size=3"))
    a = [o["orderId"] for o in first["content"]]
    b = [o["orderId"] for o in second["content"]]
    assert len(a) == 3 and b and max(b) < min(a)


@pytest.mark.parametrize("query", ["status=paid", "status=", "page=-1", "size=0", "size=101"])
def test_admin_orders_bad_parameters(client, query):
    assert_problem(client.admin("GET", f"{ADMIN_ORDERS}?{query}"), 400, "INVALID_REQUEST")


# ---- GET /admin/coupons -------------------------------------------------------------------

def test_admin_coupons_newest_first_with_remaining(client):
    older = client.create_coupon(totalQuantity=5)
    newer = client.create_coupon(totalQuantity=3, name="쿠폰 " + unique_name())
    user = client.create_user()
    client.issue_ok(user, newer["id"])
    body = assert_page(assert_json_ok(client.admin("GET", f"{ADMIN_COUPONS}?size=2")), 0, 2)
    assert [c["id"] for c in body["content"]] == [newer["id"], older["id"]]
    listed = body["content"][0]
    assert listed == {**newer, "remainingQuantity": 2}
    assert listed["name"].startswith("쿠폰 ")
    total = body["totalElements"]
    assert total >= 2
    last_page = (total - 1) // 2
    tail = assert_json_ok(client.admin("GET", f"{ADMIN_COUPONS}?size=2&page={last_page}"))
    assert 1 <= len(tail["content"]) <= 2 and tail["totalElements"] == total


@pytest.mark.parametrize("query", ["page=-1", "size=0", "size=101", "page=a"])
def test_admin_coupons_bad_parameters(client, query):
    assert_problem(client.admin("GET", f"{ADMIN_COUPONS}?{query}"), 400, "INVALID_REQUEST")


# ---- GET /admin/stats/daily ---------------------------------------------------------------

def daily(client, first: dt.date, last: dt.date):
    return assert_json_ok(client.admin("GET", f"{DAILY}?from={first}&to={last}"))


def test_daily_stats_count_a_payment_today(client):
    today = today_kst()
    before = daily(client, today, today)[0]
    user = client.create_user()
    client.charge(user, 50_000)
    product = client.create_product(price=1200, stock=10)
    coupon = client.create_coupon(discountValue=200)
    user_coupon = client.issue_ok(user, coupon["id"])["userCouponId"]
    order = client.order_ok(user, [(product, 3)], user_coupon)
    assert client.pay(user, order["orderId"]).status == 200
    unpaid = client.order_ok(user, [(product, 1)])  # not paid: not counted
    after = daily(client, today, today)[0]
    assert after["date"] == str(today)
    assert after["paidOrders"] - before["paidOrders"] == 1
    assert after["unitsSold"] - before["unitsSold"] == 3
    assert after["revenue"] - before["revenue"] == 3 * 1200 - 200 == order["payAmount"]
    assert unpaid["status"] == "NOT_PAID"


def test_daily_stats_include_days_without_sales_oldest_first(client):
    first = dt.date(2001, 2, 26)
    days = daily(client, first, dt.date(2001, 3, 2))
    assert [d["date"] for d in days] == ["2001-02-26", "2001-02-27", "2001-02-28",
                                         "2001-03-01", "2001-03-02"]
    assert all(d == {"date": d["date"], "paidOrders": 0, "unitsSold": 0, "revenue": 0}
               for d in days)


def test_daily_stats_at_most_92_days(client):
    first = today_kst() - dt.timedelta(days=91)
    days = daily(client, first, today_kst())
    assert len(days) == 92 and days[-1]["date"] == str(today_kst())
    r = client.admin("GET", f"{DAILY}?from={first - dt.timedelta(days=1)}&to={today_kst()}")
    assert_problem(r, 400, "INVALID_REQUEST")


@pytest.mark.parametrize("query", ["", "from=2026-11-20", "to=2026-11-20",
                                   "from=2026-11-21&to=2026-11-20", "from=2026-02-30&to=2026-03-01",
                                   "from=20261120&to=2026-11-21", "from=2026-11-20&to=tomorrow"])
def test_daily_stats_bad_parameters(client, query):
    assert_problem(client.admin("GET", f"{DAILY}?{query}"), 400, "INVALID_REQUEST")


# ---- auth ---------------------------------------------------------------------------------

ADMIN_LISTS = [ADMIN_ORDERS, ADMIN_COUPONS, f"{DAILY}?from=2026-11-20&to=2026-11-21"]


@pytest.mark.parametrize("path", ADMIN_LISTS)
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_admin_lists_need_the_admin_token(client, path, token):
    r = client.admin("GET", path, token=token)
    assert_problem(r, 401, "UNAUTHORIZED")


@pytest.fixture(scope="module")
def auth_server(start_server):
    sp = start_server({"AUTH_JWT_SECRET": SECRET, "HTTP_THREADS": "1"})
    yield sp
    assert sp.terminate() == 0


def test_with_authentication_a_user_sees_only_their_orders(auth_server):
    api = auth_server.client
    users = []
    for _ in range(2):
        r = api.call("POST", "/api/v1/users", {"name": unique_name()}, headers=bearer(ADMIN_TOKEN))
        assert r.status == 201, r.raw
        users.append(r.json["id"])
    a, b = users
    product = api.create_product(price=100, stock=10)
    r = api.call("POST", ORDERS, {"userId": a, "items": [{"productId": product, "quantity": 1}]},
                 headers=bearer(hs256(claims_for(a))))
    assert r.status == 201, r.raw
    placed = r.json["orderId"]
    mine = assert_json_ok(api.call("GET", f"{ORDERS}?userId={a}", headers=bearer(hs256(claims_for(a)))))
    assert [o["orderId"] for o in mine["content"]] == [placed]
    assert_problem(api.call("GET", f"{ORDERS}?userId={a}", headers=bearer(hs256(claims_for(b)))),
                   403, "FORBIDDEN")
    assert_problem(api.call("GET", f"{ORDERS}?userId={a}"), 401, "UNAUTHORIZED")
    # A user's token is no admin's: refused (401 by today's request gate, as in
    # test_auth.py; the contract's 403 once the gate says insufficient_scope).
    for path in ADMIN_LISTS:
        r = api.call("GET", path, headers=bearer(hs256(claims_for(a))))
        assert (r.status, r.json["code"]) in {(401, "UNAUTHORIZED"), (403, "FORBIDDEN")}, r.raw
    admin_jwt = hs256(claims_for(a, role="admin"))
    body = assert_json_ok(api.call("GET", f"{ADMIN_ORDERS}?size=5", headers=bearer(admin_jwt)))
    assert body["content"] and body["content"][0]["orderId"] >= placed
