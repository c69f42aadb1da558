"""Coupon issue (first come, first served) and the user's coupon list."""

import datetime as dt
import re

import pytest

from apiclient import assert_json_ok, assert_problem, assert_recent, parse_kst, rfc3339

ISSUE = "/api/v1/coupons/issue"
NO_SUCH_ID = 9223372036854775807
JSON = {"Content-Type": "application/json"}
UC_KEYS = {"userCouponId", "couponId", "userId", "name", "discountType", "discountValue",
           "status", "issuedAt", "expiresAt"}


def now_utc():
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def test_issue_201_shape_and_expiry(client, user):
    c = client.create_coupon(discountType="RATE", discountValue=15, validDays=9,
                             totalQuantity=3)
    r = client.issue(user, c["id"])
    uc = assert_json_ok(r, 201)
    assert set(uc) == UC_KEYS
    assert type(uc["userCouponId"]) is int and uc["userCouponId"] > 0
    assert (uc["couponId"], uc["userId"], uc["name"], uc["discountType"],
            uc["discountValue"], uc["status"]) == (c["id"], user, c["name"], "RATE", 15,
                                                   "AVAILABLE")
    assert_recent(uc["issuedAt"], 60)
    assert parse_kst(uc["expiresAt"]) - parse_kst(uc["issuedAt"]) == dt.timedelta(days=9)
    assert client.coupon(c["id"])["remainingQuantity"] == 2


def test_issue_valid_days_one_is_exactly_24h(client, user):
    c = client.create_coupon(validDays=1)
    uc = client.issue_ok(user, c["id"])
    assert parse_kst(uc["expiresAt"]) - parse_kst(uc["issuedAt"]) == dt.timedelta(hours=24)


def test_remaining_quantity_drops_by_one_per_issue(client):
    c = client.create_coupon(totalQuantity=5)
    users = [client.create_user() for _ in range(5)]
    for k, u in enumerate(users):
        client.issue_ok(u, c["id"])
        assert client.coupon(c["id"])["remainingQuantity"] == 4 - k
    late = client.create_user()
    assert_problem(client.issue(late, c["id"]), 409, "COUPON_SOLD_OUT")
    assert client.coupon(c["id"])["remainingQuantity"] == 0
    assert client.user_coupons(late) == []


def issue_batch_totals(client):
    """(batches, requests) of db_write_batch_size{kind="coupon_issue"} in /metrics."""
    text = client.call("GET", "/metrics").raw.decode()
    count = re.search(r'^db_write_batch_size_count\{kind="coupon_issue"\} (\d+)', text, re.M)
    total = re.search(r'^db_write_batch_size_sum\{kind="coupon_issue"\} (\d+)', text, re.M)
    assert count and total, "no coupon_issue batch histogram in /metrics"
    return int(count.group(1)), int(total.group(1))


def test_every_issue_request_goes_through_one_batch(client):
    """Issue requests are settled in batches: each request counts once in the batch sizes,
    whatever its outcome, until its loop knows the coupon sold out."""
    c = client.create_coupon(totalQuantity=2)
    users = [client.create_user() for _ in range(3)]
    batches, requests = issue_batch_totals(client)
    client.issue_ok(users[0], c["id"])
    assert_problem(client.issue(users[0], c["id"]), 409, "COUPON_ALREADY_ISSUED")
    client.issue_ok(users[1], c["id"])
    after_batches, after_requests = issue_batch_totals(client)
    assert after_requests - requests == 3
    assert 1 <= after_batches - batches <= 3


def test_same_user_twice_is_already_issued(client, user):
    c = client.create_coupon(totalQuantity=10)
    first = client.issue_ok(user, c["id"])
    assert_problem(client.issue(user, c["id"]), 409, "COUPON_ALREADY_ISSUED")
    assert client.coupon(c["id"])["remainingQuantity"] == 9
    assert client.user_coupons(user) == [first]


def test_already_issued_beats_sold_out(client):
    c = client.create_coupon(totalQuantity=1)
    a, b = client.create_user(), client.create_user()
    client.issue_ok(a, c["id"])
    assert_problem(client.issue(a, c["id"]), 409, "COUPON_ALREADY_ISSUED")
    assert_problem(client.issue(b, c["id"]), 409, "COUPON_SOLD_OUT")


def test_unknown_coupon_is_404(client, user):
    assert_problem(client.issue(user, NO_SUCH_ID), 404, "COUPON_NOT_FOUND")


def test_unknown_user_is_404(client):
    c = client.create_coupon(totalQuantity=1)
    assert_problem(client.issue(NO_SUCH_ID, c["id"]), 404, "USER_NOT_FOUND")
    assert client.coupon(c["id"])["remainingQuantity"] == 1


def test_coupon_not_found_beats_user_not_found(client):
    assert_problem(client.issue(NO_SUCH_ID, NO_SUCH_ID), 404, "COUPON_NOT_FOUND")


def test_user_not_found_beats_not_active(client):
    c = client.create_coupon(issueStartsAt=rfc3339(now_utc() + dt.timedelta(hours=1)),
                             issueEndsAt=rfc3339(now_utc() + dt.timedelta(hours=2)))
    assert_problem(client.issue(NO_SUCH_ID, c["id"]), 404, "USER_NOT_FOUND")


@pytest.mark.parametrize("starts,ends", [
    (dt.timedelta(minutes=2), dt.timedelta(days=1)),        # not started yet
    (dt.timedelta(days=-2), dt.timedelta(seconds=-2)),      # already over
])
def test_outside_window_is_not_active(client, user, starts, ends):
    n = now_utc()
    c = client.create_coupon(issueStartsAt=rfc3339(n + starts), issueEndsAt=rfc3339(n + ends),
                             totalQuantity=2)
    assert_problem(client.issue(user, c["id"]), 409, "COUPON_NOT_ACTIVE")
    assert client.coupon(c["id"])["remainingQuantity"] == 2
    assert client.user_coupons(user) == []


def test_not_active_beats_already_issued_and_sold_out(client, sql):
    c = client.create_coupon(totalQuantity=1)
    a, b = client.create_user(), client.create_user()
    client.issue_ok(a, c["id"])
    sql(f"UPDATE coupons SET issue_ends_at = now() - interval '1 minute', "
        f"issue_starts_at = now() - interval '1 hour' WHERE id = {c['id']}")
    assert_problem(client.issue(a, c["id"]), 409, "COUPON_NOT_ACTIVE")
    assert_problem(client.issue(b, c["id"]), 409, "COUPON_NOT_ACTIVE")


@pytest.mark.parametrize("raw", [
    b'{"couponId": %(c)d}', b'{"userId": %(u)d}', b'{"userId": 0, "couponId": %(c)d}',
    b'{"userId": %(u)d, "couponId": -1}', b'{"userId": "%(u)d", "couponId": %(c)d}',
    b'{"userId": %(u)d, "couponId": 1.5}', b'{"userId": %(u)d, "couponId": null}',
    b'{"userId": %(u)d, "couponId": 9223372036854775808}', b"[]", b"{",
], ids=lambda r: r.decode()[:50])
def test_issue_malformed_is_400(client, user, raw):
    c = client.create_coupon(totalQuantity=1)
    r = client.call("POST", ISSUE, raw=raw % {b"c": c["id"], b"u": user}, headers=JSON)
    assert_problem(r, 400, "INVALID_REQUEST")
    assert client.coupon(c["id"])["remainingQuantity"] == 1


def test_bad_request_beats_not_found(client):
    r = client.call("POST", ISSUE, {"userId": 0, "couponId": NO_SUCH_ID})
    assert_problem(r, 400, "INVALID_REQUEST")
    r = client.call("POST", ISSUE, {"userId": NO_SUCH_ID, "couponId": 0})
    assert_problem(r, 400, "INVALID_REQUEST")


def test_issue_non_json_is_415(client, user):
    r = client.call("POST", ISSUE, raw=b'{"userId": 1, "couponId": 1}',
                    headers={"Content-Type": "text/plain"})
    assert_problem(r, 415, "UNSUPPORTED_MEDIA_TYPE")


# ---- list ---------------------------------------------------------------------------------

def test_list_newest_first_with_issue_bodies(client, user):
    cs = [client.create_coupon(discountValue=100 * (i + 1)) for i in range(3)]
    issued = [client.issue_ok(user, c["id"]) for c in cs]
    r = client.call("GET", f"/api/v1/coupons?userId={user}")
    body = assert_json_ok(r)
    assert isinstance(body, list)
    assert body == list(reversed(issued))


def test_list_for_user_without_coupons_is_empty_array(client, user):
    assert assert_json_ok(client.call("GET", f"/api/v1/coupons?userId={user}")) == []


def test_list_only_shows_own_coupons(client):
    a, b = client.create_user(), client.create_user()
    c = client.create_coupon()
    ua = client.issue_ok(a, c["id"])
    ub = client.issue_ok(b, c["id"])
    assert client.user_coupons(a) == [ua]
    assert client.user_coupons(b) == [ub]


def test_list_unknown_user_is_404(client):
    assert_problem(client.call("GET", f"/api/v1/coupons?userId={NO_SUCH_ID}"), 404,
                   "USER_NOT_FOUND")


@pytest.mark.parametrize("query", ["", "?userId=", "?userId=abc", "?userId=0", "?userId=-3",
                                   "?userId=1.5", "?userId=9223372036854775808"])
def test_list_bad_user_id_is_400(client, query):
    assert_problem(client.call("GET", f"/api/v1/coupons{query}"), 400, "INVALID_REQUEST")


def test_expired_coupon_is_listed_expired(client, user, sql):
    c1, c2 = client.create_coupon(), client.create_coupon()
    old = client.issue_ok(user, c1["id"])
    new = client.issue_ok(user, c2["id"])
    sql(f"UPDATE user_coupons SET expires_at = now() - interval '1 second' "
        f"WHERE id = {old['userCouponId']}")
    lst = client.user_coupons(user)
    assert [u["userCouponId"] for u in lst] == [new["userCouponId"], old["userCouponId"]]
    assert [u["status"] for u in lst] == ["AVAILABLE", "EXPIRED"]


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_issue_wrong_method_is_405(client, method):
    assert_problem(client.call(method, ISSUE, {"userId": 1, "couponId": 1} if method == "PUT"
                               else None), 405, "METHOD_NOT_ALLOWED")


def test_answers_stay_exact_once_a_coupon_is_known_sold_out(client):
    # The server remembers sold-out coupons to skip the UPDATE; the answer must still be the
    # database's: holders, unknown users and newcomers each get their own code, every time.
    cid = client.create_coupon(totalQuantity=1)["id"]
    holder, late = client.create_user(), client.create_user()
    client.issue_ok(holder, cid)
    for _ in range(6):  # enough to reach every event loop of the server
        assert_problem(client.issue(late, cid), 409, "COUPON_SOLD_OUT")
        assert_problem(client.issue(holder, cid), 409, "COUPON_ALREADY_ISSUED")
        assert_problem(client.issue(9_000_000_000_000_000_001, cid), 404, "USER_NOT_FOUND")
    assert client.coupon(cid)["remainingQuantity"] == 0
    # Another coupon is not affected by the first one being sold out.
    other = client.create_coupon(totalQuantity=5)["id"]
    assert_json_ok(client.issue(late, other), 201)
