"""Admin catalogue management: auth, products, restock, coupon kinds."""

import concurrent.futures as cf
import datetime as dt

import pytest

from apiclient import (ADMIN_TOKEN, assert_json_ok, assert_problem, assert_recent, parse_kst,
                       rfc3339, unique_name)

PRODUCTS = "/api/v1/admin/products"
COUPONS = "/api/v1/admin/coupons"
NO_SUCH_ID = 9223372036854775807
JSON = {"Content-Type": "application/json"}


def now_utc():
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def coupon_body(**over):
    n = now_utc()
    b = {"name": unique_name("coupon"), "discountType": "FIXED", "discountValue": 3000,
         "totalQuantity": 100, "issueStartsAt": rfc3339(n - dt.timedelta(hours=1)),
         "issueEndsAt": rfc3339(n + dt.timedelta(days=1)), "validDays": 7}
    b.update(over)
    return b


# ---- auth ---------------------------------------------------------------------------------

BAD_AUTH = [None, "", "Bearer", "Bearer ", "Bearer wrong-token", f"Bearer {ADMIN_TOKEN}x",
            f"Basic {ADMIN_TOKEN}", f"Token {ADMIN_TOKEN}", ADMIN_TOKEN,
            f"Bearer {ADMIN_TOKEN[:-1]}"]


def assert_unauthorized(r):
    assert_problem(r, 401, "UNAUTHORIZED")
    wa = r.header("WWW-Authenticate")
    assert wa is not None and wa.split()[0] == "Bearer", wa


def admin_requests(pid, cid):
    return [("POST", PRODUCTS, {"name": "x", "price": 1, "stock": 1}),
            ("POST", f"{PRODUCTS}/{pid}/stock", {"delta": 5}),
            ("POST", COUPONS, coupon_body()),
            ("GET", f"{COUPONS}/{cid}", None)]


@pytest.mark.parametrize("auth", BAD_AUTH, ids=lambda a: repr(a))
def test_admin_endpoints_without_valid_token_are_401(client, auth, sql):
    pid = client.create_product(stock=10)
    cid = client.create_coupon()["id"]
    n_products = int(sql("SELECT count(*) FROM products WHERE name = 'x-unauth-marker'")[0][0])
    for method, path, body in admin_requests(pid, cid):
        headers = {} if auth is None else {"Authorization": auth}
        if body is not None and body.get("name") == "x":
            body["name"] = "x-unauth-marker"
        r = client.call(method, path, body, headers=headers)
        assert_unauthorized(r)
    assert client.stock(pid) == 10
    assert int(sql("SELECT count(*) FROM products WHERE name = 'x-unauth-marker'")[0][0]) \
        == n_products


@pytest.mark.parametrize("raw", [b"{", b"[]", b'{"delta": 0}', b'{"name": 5}', b""])
def test_auth_is_checked_before_the_body(client, raw):
    for path in (PRODUCTS, f"{PRODUCTS}/1/stock", f"{PRODUCTS}/{NO_SUCH_ID}/stock", COUPONS):
        r = client.call("POST", path, raw=raw, headers=JSON)
        assert_unauthorized(r)
        r = client.call("POST", path, raw=raw, headers={**JSON, "Authorization": "Bearer no"})
        assert_unauthorized(r)


def test_auth_is_checked_before_existence(client):
    assert_unauthorized(client.call("GET", f"{COUPONS}/{NO_SUCH_ID}"))
    assert_unauthorized(client.call("GET", f"{COUPONS}/abc"))
    assert_unauthorized(client.call("POST", f"{PRODUCTS}/{NO_SUCH_ID}/stock", {"delta": 1}))


def test_public_endpoints_need_no_token(client):
    pid = client.create_product()
    assert client.call("GET", f"/api/v1/products/{pid}").status == 200
    assert client.call("GET", "/api/v1/products").status == 200


# ---- products -----------------------------------------------------------------------------

def test_create_product_201(client):
    name = unique_name("상품")
    r = client.admin("POST", PRODUCTS, {"name": name, "description": "좋은 상품",
                                        "price": 1000, "stock": 100, "extra": [1]})
    body = assert_json_ok(r, 201)
    assert set(body) == {"id", "name", "description", "price", "stock"}
    assert type(body["id"]) is int and body["id"] > 0
    assert body == {"id": body["id"], "name": name, "description": "좋은 상품",
                    "price": 1000, "stock": 100}
    assert client.product(body["id"]) == body


def test_create_product_description_defaults_to_empty(client):
    body = assert_json_ok(client.admin("POST", PRODUCTS, {"name": "n", "price": 5, "stock": 1}),
                          201)
    assert body["description"] == ""


@pytest.mark.parametrize("name", ["k", "a" * 200, "가" * 200, "😀" * 200, " padded "])
def test_create_product_name_bounds_accepted(client, name):
    body = assert_json_ok(client.admin("POST", PRODUCTS, {"name": name, "price": 1,
                                                          "stock": 1}), 201)
    assert body["name"] == name


@pytest.mark.parametrize("price,stock", [(0, 0), (100_000_000, 1_000_000_000)])
def test_create_product_amount_bounds_accepted(client, price, stock):
    body = assert_json_ok(client.admin("POST", PRODUCTS, {"name": "b", "price": price,
                                                          "stock": stock}), 201)
    assert (body["price"], body["stock"]) == (price, stock)


@pytest.mark.parametrize("body", [
    {"name": "", "price": 1, "stock": 1},
    {"name": "   ", "price": 1, "stock": 1},
    {"name": "\t\n", "price": 1, "stock": 1},
    {"name": "a" * 201, "price": 1, "stock": 1},
    {"name": "가" * 201, "price": 1, "stock": 1},
    {"name": 5, "price": 1, "stock": 1},
    {"name": None, "price": 1, "stock": 1},
    {"price": 1, "stock": 1},
    {"name": "n", "stock": 1},
    {"name": "n", "price": 1},
    {"name": "n", "price": 1.5, "stock": 1},
    {"name": "n", "price": "1", "stock": 1},
    {"name": "n", "price": 1, "stock": True},
    {"name": "n", "price": 9223372036854775808, "stock": 1},
    {"name": "n", "price": 1, "stock": 1, "description": 7},
    {"name": "n", "price": 1, "stock": 1, "description": ["x"]},
], ids=lambda b: repr(b)[:60])
def test_create_product_invalid_request(client, body):
    r = client.admin("POST", PRODUCTS, body)
    assert_problem(r, 400, "INVALID_REQUEST")


@pytest.mark.parametrize("price,stock", [(-1, 1), (100_000_001, 1), (1, -1),
                                         (1, 1_000_000_001), (-9223372036854775808, 1),
                                         (1, 9223372036854775807)])
def test_create_product_amount_out_of_range(client, sql, price, stock):
    name = unique_name("oor")
    r = client.admin("POST", PRODUCTS, {"name": name, "price": price, "stock": stock})
    assert_problem(r, 400, "INVALID_AMOUNT")
    assert sql(f"SELECT count(*) FROM products WHERE name = '{name}'") == [("0",)]


def test_create_product_non_json_is_415(client):
    r = client.admin("POST", PRODUCTS, raw=b'{"name":"n","price":1,"stock":1}',
                     headers={"Content-Type": "text/plain"})
    assert_problem(r, 415, "UNSUPPORTED_MEDIA_TYPE")


# ---- restock ------------------------------------------------------------------------------

def test_restock_adds_and_returns_product(client):
    name = unique_name("rs")
    pid = client.create_product(price=700, stock=10, name=name, description="d")
    r = client.add_stock(pid, 50)
    assert assert_json_ok(r) == {"id": pid, "name": name, "description": "d", "price": 700,
                                 "stock": 60}
    r = client.add_stock(pid, -60)
    assert assert_json_ok(r)["stock"] == 0
    assert client.stock(pid) == 0


def test_restock_below_zero_is_409_and_unchanged(client):
    pid = client.create_product(stock=10)
    r = client.add_stock(pid, -11)
    assert_problem(r, 409, "OUT_OF_STOCK")
    assert client.stock(pid) == 10
    assert_problem(client.add_stock(pid, -1_000_000_000), 409, "OUT_OF_STOCK")
    assert client.stock(pid) == 10


@pytest.mark.parametrize("delta", [0, 1_000_000_001, -1_000_000_001, 9223372036854775807,
                                   -9223372036854775808])
def test_restock_delta_out_of_range_is_invalid_amount(client, delta):
    pid = client.create_product(stock=10)
    assert_problem(client.add_stock(pid, delta), 400, "INVALID_AMOUNT")
    assert client.stock(pid) == 10


def test_restock_delta_bounds(client):
    pid = client.create_product(stock=0)
    assert assert_json_ok(client.add_stock(pid, 1_000_000_000))["stock"] == 1_000_000_000
    assert assert_json_ok(client.add_stock(pid, -1_000_000_000))["stock"] == 0


def test_restock_over_max_stock_is_invalid_amount(client):
    pid = client.create_product(stock=999_999_999)
    assert assert_json_ok(client.add_stock(pid, 1))["stock"] == 1_000_000_000
    assert_problem(client.add_stock(pid, 1), 400, "INVALID_AMOUNT")
    assert client.stock(pid) == 1_000_000_000
    pid2 = client.create_product(stock=1)
    assert_problem(client.add_stock(pid2, 1_000_000_000), 400, "INVALID_AMOUNT")
    assert client.stock(pid2) == 1


@pytest.mark.parametrize("raw", [b'{"delta": 1.5}', b'{"delta": "5"}', b"{}",
                                 b'{"delta": null}', b'{"delta": 9223372036854775808}',
                                 b'{"delta": true}', b"[5]", b"{"])
def test_restock_malformed_is_invalid_request(client, raw):
    pid = client.create_product(stock=10)
    r = client.admin("POST", f"{PRODUCTS}/{pid}/stock", raw=raw, headers=JSON)
    assert_problem(r, 400, "INVALID_REQUEST")
    assert client.stock(pid) == 10


def test_restock_unknown_product_is_404(client):
    assert_problem(client.add_stock(NO_SUCH_ID, 5), 404, "PRODUCT_NOT_FOUND")
    # body validation comes before the lookup
    assert_problem(client.add_stock(NO_SUCH_ID, 0), 400, "INVALID_AMOUNT")


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.5", "9223372036854775808"])
def test_restock_bad_product_id_is_400(client, bad):
    r = client.admin("POST", f"{PRODUCTS}/{bad}/stock", {"delta": 1})
    assert_problem(r, 400, "INVALID_REQUEST")


def test_concurrent_restocks_all_apply(client):
    pid = client.create_product(stock=0)
    deltas = [1 + (i % 7) for i in range(60)]
    with cf.ThreadPoolExecutor(32) as ex:
        rs = list(ex.map(lambda d: client.add_stock(pid, d), deltas))
    assert [r.status for r in rs] == [200] * 60
    assert len({r.json["stock"] for r in rs}) == 60   # each saw its own step
    assert client.stock(pid) == sum(deltas)
    assert max(r.json["stock"] for r in rs) == sum(deltas)


# ---- coupons ------------------------------------------------------------------------------

COUPON_KEYS = {"id", "name", "discountType", "discountValue", "totalQuantity",
               "remainingQuantity", "issueStartsAt", "issueEndsAt", "validDays", "createdAt"}


def test_create_coupon_201_and_get(client):
    starts = now_utc() - dt.timedelta(minutes=5)
    ends = starts + dt.timedelta(days=3, seconds=17)
    body = coupon_body(name="쿠폰 3000", discountValue=3000, totalQuantity=42, validDays=9,
                       issueStartsAt=rfc3339(starts), issueEndsAt=rfc3339(ends), junk=1)
    c = assert_json_ok(client.admin("POST", COUPONS, body), 201)
    assert set(c) == COUPON_KEYS
    assert type(c["id"]) is int and c["id"] > 0
    assert (c["name"], c["discountType"], c["discountValue"], c["totalQuantity"],
            c["remainingQuantity"], c["validDays"]) == ("쿠폰 3000", "FIXED", 3000, 42, 42, 9)
    assert parse_kst(c["issueStartsAt"]) == starts
    assert parse_kst(c["issueEndsAt"]) == ends
    assert_recent(c["createdAt"])
    got = assert_json_ok(client.admin("GET", f"{COUPONS}/{c['id']}"))
    assert got == c


@pytest.mark.parametrize("dtype,value", [("RATE", 1), ("RATE", 100), ("RATE", 15),
                                         ("FIXED", 1), ("FIXED", 100_000_000)])
def test_create_coupon_discount_bounds_accepted(client, dtype, value):
    c = assert_json_ok(client.admin("POST", COUPONS, coupon_body(discountType=dtype,
                                                                 discountValue=value)), 201)
    assert (c["discountType"], c["discountValue"]) == (dtype, value)


@pytest.mark.parametrize("field,value", [("totalQuantity", 1), ("totalQuantity", 10_000_000),
                                         ("validDays", 1), ("validDays", 3650)])
def test_create_coupon_range_bounds_accepted(client, field, value):
    c = assert_json_ok(client.admin("POST", COUPONS, coupon_body(**{field: value})), 201)
    assert c[field] == value
    if field == "totalQuantity":
        assert c["remainingQuantity"] == value


def test_create_coupon_timestamp_forms(client):
    # an offset other than Z, fractional seconds, and an empty window (start == end)
    c = assert_json_ok(client.admin("POST", COUPONS, coupon_body(
        issueStartsAt="2030-01-02T03:04:05.250+05:30",
        issueEndsAt="2030-01-02T03:04:05.250+05:30")), 201)
    want = dt.datetime(2030, 1, 1, 21, 34, 5, 250000, tzinfo=dt.timezone.utc)
    assert parse_kst(c["issueStartsAt"]) == want
    assert parse_kst(c["issueEndsAt"]) == want
    c = assert_json_ok(client.admin("POST", COUPONS, coupon_body(
        issueStartsAt="2030-01-02T00:00:00Z", issueEndsAt="2030-01-02T09:00:00+09:00")), 201)
    assert c["issueStartsAt"] == c["issueEndsAt"]
    assert c["issueStartsAt"].startswith("2030-01-02T09:00:00")


@pytest.mark.parametrize("over", [
    {"discountType": "RATE", "discountValue": 101},
    {"discountType": "RATE", "discountValue": 0},
    {"discountType": "FIXED", "discountValue": 0},
    {"discountType": "FIXED", "discountValue": -5},
    {"discountType": "PERCENT"},
    {"discountType": "fixed"},
    {"discountType": 1},
    {"discountValue": 10.5},
    {"discountValue": "10"},
    {"totalQuantity": 0},
    {"totalQuantity": 10_000_001},
    {"totalQuantity": -1},
    {"validDays": 0},
    {"validDays": 3651},
    {"validDays": 1.5},
    {"name": ""},
    {"name": "a" * 201},
    {"name": 3},
    {"issueStartsAt": "2030-01-01T00:00:00"},
    {"issueStartsAt": "2030-01-01"},
    {"issueStartsAt": "not a time"},
    {"issueStartsAt": 1893456000},
    {"issueEndsAt": "2030-13-01T00:00:00Z"},
    {"issueEndsAt": ""},
    {"issueStartsAt": "2030-01-02T00:00:00Z", "issueEndsAt": "2030-01-01T23:59:59Z"},
    {"issueStartsAt": "2030-01-02T00:00:00Z", "issueEndsAt": "2030-01-02T08:59:59+09:00"},
    {"totalQuantity": 9223372036854775808},
], ids=lambda o: repr(o)[:70])
def test_create_coupon_invalid_is_400_invalid_request(client, sql, over):
    body = coupon_body(**over)
    if "name" not in over:
        body["name"] = unique_name("badcoupon")
    r = client.admin("POST", COUPONS, body)
    assert_problem(r, 400, "INVALID_REQUEST")
    if isinstance(body["name"], str) and body["name"].startswith("badcoupon"):
        assert sql(f"SELECT count(*) FROM coupons WHERE name = '{body['name']}'") == [("0",)]


@pytest.mark.parametrize("missing", ["name", "discountType", "discountValue", "totalQuantity",
                                     "issueStartsAt", "issueEndsAt", "validDays"])
def test_create_coupon_missing_field_is_400(client, missing):
    body = coupon_body()
    del body[missing]
    assert_problem(client.admin("POST", COUPONS, body), 400, "INVALID_REQUEST")


def test_get_unknown_coupon_is_404(client):
    assert_problem(client.admin("GET", f"{COUPONS}/{NO_SUCH_ID}"), 404, "COUPON_NOT_FOUND")


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.5", "9223372036854775808"])
def test_get_coupon_bad_id_is_400(client, bad):
    assert_problem(client.admin("GET", f"{COUPONS}/{bad}"), 400, "INVALID_REQUEST")
