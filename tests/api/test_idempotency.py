"""Idempotency-Key on every user write: POST /points/charge, /orders, /points/use,
/coupons/issue and /orders/{id}/cancel (contract: Idempotency)."""

import concurrent.futures as cf
import uuid

import pytest

from apiclient import ADMIN_TOKEN, assert_json_ok, assert_problem
from jwt_tokens import SECRET, bearer, claims_for, hs256

CHARGE = "/api/v1/points/charge"
ORDERS = "/api/v1/orders"
USE = "/api/v1/points/use"
ISSUE = "/api/v1/coupons/issue"


def key() -> str:
    return f"test-{uuid.uuid4()}"


def with_key(k: str) -> dict:
    return {"Idempotency-Key": k}


def replayed(r) -> bool:
    return (r.header("Idempotent-Replayed") or "").lower() == "true"


def test_charge_replay_returns_first_answer_and_charges_once(client, user):
    k = key()
    first = client.call("POST", CHARGE, {"userId": user, "amount": 700}, with_key(k))
    assert assert_json_ok(first) == {"userId": user, "balance": 700}
    assert not replayed(first)
    for _ in range(3):
        again = client.call("POST", CHARGE, {"userId": user, "amount": 700}, with_key(k))
        assert again.status == 200 and again.raw == first.raw
        assert replayed(again)
    assert client.balance(user) == 700
    assert client.history(user)["totalElements"] == 1


def test_requests_without_key_are_not_deduplicated(client, user):
    for _ in range(2):
        assert_json_ok(client.charge(user, 100))
    assert client.balance(user) == 200


def test_order_replay_takes_stock_once(client, user):
    p = client.create_product(price=100, stock=10)
    k = key()
    first = client.order(user, [(p, 3)], headers=with_key(k))
    body = assert_json_ok(first, 201)
    again = client.order(user, [(p, 3)], headers=with_key(k))
    assert again.status == 201 and again.json == body and replayed(again)
    assert client.stock(p) == 7


def test_pay_replay_debits_once(client, user, sql):
    p = client.create_product(price=400, stock=5)
    client.charge(user, 1000)
    o = client.order_ok(user, [(p, 1)])
    k = key()
    first = assert_json_ok(client.pay(user, o["orderId"], headers=with_key(k)))
    again = client.pay(user, o["orderId"], headers=with_key(k))
    assert again.status == 200 and again.json == first and replayed(again)
    assert client.balance(user) == 600
    # A new key is a new attempt: the order is no longer payable.
    assert_problem(client.pay(user, o["orderId"], headers=with_key(key())), 409, "ORDER_NOT_PAYABLE")
    rows = sql(f"SELECT count(*) FROM outbox_events WHERE aggregate_id = {o['orderId']}")
    assert rows == [("1",)]


def test_same_key_different_body_is_reused_conflict(client, user):
    k = key()
    assert_json_ok(client.call("POST", CHARGE, {"userId": user, "amount": 10}, with_key(k)))
    r = client.call("POST", CHARGE, {"userId": user, "amount": 11}, with_key(k))
    assert_problem(r, 409, "IDEMPOTENCY_KEY_REUSED")
    assert client.balance(user) == 10


def test_same_key_on_another_endpoint_is_reused_conflict(client, user):
    p = client.create_product(price=10, stock=5)
    k = key()
    assert_json_ok(client.call("POST", CHARGE, {"userId": user, "amount": 10}, with_key(k)))
    assert_problem(client.order(user, [(p, 1)], headers=with_key(k)), 409, "IDEMPOTENCY_KEY_REUSED")
    assert client.stock(p) == 5


def test_one_endpoint_spelt_with_a_trailing_slash_is_the_same_endpoint(client, user):
    k = key()
    first = client.call("POST", CHARGE, {"userId": user, "amount": 10}, with_key(k))
    assert_json_ok(first)
    again = client.call("POST", CHARGE + "/", {"userId": user, "amount": 10}, with_key(k))
    assert again.status == first.status and replayed(again), (again.status, again.raw)
    assert again.raw == first.raw
    assert client.balance(user) == 10


def test_business_failure_is_stored_and_replayed(client, user):
    p = client.create_product(price=10, stock=1)
    k = key()
    first = client.order(user, [(p, 2)], headers=with_key(k))
    assert_problem(first, 409, "OUT_OF_STOCK")
    client.add_stock(p, 10)
    again = client.order(user, [(p, 2)], headers=with_key(k))
    assert_problem(again, 409, "OUT_OF_STOCK")
    assert again.raw == first.raw and replayed(again)
    assert client.stock(p) == 11
    # The same request under a new key succeeds now.
    assert_json_ok(client.order(user, [(p, 2)], headers=with_key(key())), 201)


def test_insufficient_balance_expiry_is_replayed(client, user):
    p = client.create_product(price=500, stock=3)
    o = client.order_ok(user, [(p, 1)])
    k = key()
    first = client.pay(user, o["orderId"], headers=with_key(k))
    assert_problem(first, 409, "INSUFFICIENT_BALANCE")
    assert client.order_status(o["orderId"], user) == "EXPIRED"
    client.charge(user, 10_000)
    again = client.pay(user, o["orderId"], headers=with_key(k))
    assert again.raw == first.raw and replayed(again)
    assert client.balance(user) == 10_000


def test_not_found_is_stored_too(client):
    k = key()
    first = client.call("POST", CHARGE, {"userId": 9_000_000_000_000_000_000, "amount": 1},
                        with_key(k))
    assert_problem(first, 404, "USER_NOT_FOUND")
    again = client.call("POST", CHARGE, {"userId": 9_000_000_000_000_000_000, "amount": 1},
                        with_key(k))
    assert again.raw == first.raw and replayed(again)


def test_invalid_request_is_not_stored(client, user):
    k = key()
    assert_problem(client.call("POST", CHARGE, {"userId": user, "amount": 0}, with_key(k)),
                   400, "INVALID_AMOUNT")
    assert_problem(client.call("POST", CHARGE, {"userId": user}, with_key(k)), 400,
                   "INVALID_REQUEST")
    # The key is still unused: a valid request with another body goes through.
    r = client.call("POST", CHARGE, {"userId": user, "amount": 5}, with_key(k))
    assert assert_json_ok(r)["balance"] == 5 and not replayed(r)


@pytest.mark.parametrize("bad", ["", "x" * 256, "tab\there", "caf\u00e9"])
def test_malformed_key_is_400_and_changes_nothing(client, user, bad):
    headers = {"Idempotency-Key": bad.encode("utf-8").decode("latin-1")}
    r = client.call("POST", CHARGE, {"userId": user, "amount": 5}, headers)
    assert_problem(r, 400, "INVALID_REQUEST")
    assert client.balance(user) == 0


def test_longest_key_and_printable_punctuation_are_accepted(client, user):
    unique = key()
    for k in [(unique + "y" * 255)[:255], unique + " ~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./"]:
        r = client.call("POST", CHARGE, {"userId": user, "amount": 1}, with_key(k))
        assert_json_ok(r)
    assert client.balance(user) == 2


def test_expired_key_can_be_used_again(client, user, sql):
    k = key()
    assert_json_ok(client.call("POST", CHARGE, {"userId": user, "amount": 10}, with_key(k)))
    sql(f"UPDATE idempotency_keys SET created_at = now() - interval '25 hours' "
        f"WHERE idempotency_key = '{k}'")
    r = client.call("POST", CHARGE, {"userId": user, "amount": 20}, with_key(k))
    assert assert_json_ok(r)["balance"] == 30 and not replayed(r)


def test_ten_concurrent_charges_with_one_key_charge_once(client, user):
    k = key()

    def send(_):
        return client.call("POST", CHARGE, {"userId": user, "amount": 333}, with_key(k))

    with cf.ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(send, range(10)))
    done = [r for r in answers if r.status == 200]
    for r in answers:
        if r.status != 200:
            assert_problem(r, 409, "IDEMPOTENCY_KEY_IN_PROGRESS")
    assert len([r for r in done if not replayed(r)]) == 1
    assert all(r.json == {"userId": user, "balance": 333} for r in done)
    assert client.balance(user) == 333
    assert client.history(user)["totalElements"] == 1


def test_ten_concurrent_orders_with_one_key_place_one_order(client, user, sql):
    p = client.create_product(price=10, stock=100)
    k = key()

    def send(_):
        return client.order(user, [(p, 4)], headers=with_key(k))

    with cf.ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(send, range(10)))
    created = [r for r in answers if r.status == 201]
    assert len({r.json["orderId"] for r in created}) == 1
    assert len([r for r in created if not replayed(r)]) == 1
    assert client.stock(p) == 96
    assert sql(f"SELECT count(*) FROM order_items WHERE product_id = {p}") == [("1",)]


def test_keys_are_shared_by_two_instances(start_server, client, user):
    other = start_server()
    k = key()
    first = client.call("POST", CHARGE, {"userId": user, "amount": 42}, with_key(k))
    assert_json_ok(first)
    again = other.client.call("POST", CHARGE, {"userId": user, "amount": 42}, with_key(k))
    assert again.raw == first.raw and replayed(again)
    assert client.balance(user) == 42


def test_two_users_with_the_same_key_are_two_keys(client, user):
    other = client.create_user()
    k = key()
    mine = client.call("POST", CHARGE, {"userId": user, "amount": 100}, with_key(k))
    assert assert_json_ok(mine) == {"userId": user, "balance": 100} and not replayed(mine)
    # The other user's request with the same key is applied, and its answer is its own:
    # no 409, nothing of the first user's request.
    theirs = client.call("POST", CHARGE, {"userId": other, "amount": 250}, with_key(k))
    assert assert_json_ok(theirs) == {"userId": other, "balance": 250} and not replayed(theirs)
    # On another endpoint too: the key is unused for that user, so no IDEMPOTENCY_KEY_REUSED.
    p = client.create_product(price=10, stock=5)
    order = client.order(other, [(p, 1)], headers=with_key(key()))
    assert_json_ok(order, 201)
    shared = key()
    assert_json_ok(client.call("POST", CHARGE, {"userId": user, "amount": 1}, with_key(shared)))
    assert_json_ok(client.order(other, [(p, 1)], headers=with_key(shared)), 201)
    assert client.stock(p) == 3
    # Each user's retry replays that user's own answer.
    again = client.call("POST", CHARGE, {"userId": other, "amount": 250}, with_key(k))
    assert again.raw == theirs.raw and replayed(again)
    assert client.balance(user) == 101 and client.balance(other) == 250


def test_keyed_coupon_issue_is_replayed_and_issues_once(client, user):
    coupon = client.create_coupon(totalQuantity=5)
    k = key()
    body = {"userId": user, "couponId": coupon["id"]}
    first = client.call("POST", ISSUE, body, with_key(k))
    issued = assert_json_ok(first, 201)
    assert not replayed(first)
    again = client.call("POST", ISSUE, body, with_key(k))
    assert again.status == 201 and again.raw == first.raw and replayed(again)
    assert [c["userCouponId"] for c in client.user_coupons(user)] == [issued["userCouponId"]]
    assert client.coupon(coupon["id"])["remainingQuantity"] == 4
    # A new key is a new attempt: the user holds it already.
    assert_problem(client.call("POST", ISSUE, body, with_key(key())), 409, "COUPON_ALREADY_ISSUED")


def test_keyed_coupon_issue_failure_is_stored_and_replayed(client, user):
    coupon = client.create_coupon(totalQuantity=1)
    client.issue_ok(client.create_user(), coupon["id"])
    k = key()
    body = {"userId": user, "couponId": coupon["id"]}
    first = client.call("POST", ISSUE, body, with_key(k))
    assert_problem(first, 409, "COUPON_SOLD_OUT")
    again = client.call("POST", ISSUE, body, with_key(k))
    assert again.raw == first.raw and replayed(again)


def test_keyed_cancel_is_replayed_and_releases_once(client, user):
    p = client.create_product(price=100, stock=10)
    o = client.order_ok(user, [(p, 4)])
    assert client.stock(p) == 6
    k = key()
    path = f"/api/v1/orders/{o['orderId']}/cancel"
    first = client.call("POST", path, {"userId": user}, with_key(k))
    cancelled = assert_json_ok(first)
    assert cancelled["status"] == "CANCELLED" and not replayed(first)
    again = client.call("POST", path, {"userId": user}, with_key(k))
    assert again.status == 200 and again.raw == first.raw and replayed(again)
    assert client.stock(p) == 10
    # A new key is a new attempt: the order is no longer cancellable.
    assert_problem(client.call("POST", path, {"userId": user}, with_key(key())), 409,
                   "ORDER_NOT_PAYABLE")
    # The cancel of another order under the same key is another endpoint.
    o2 = client.order_ok(user, [(p, 1)])
    assert_problem(client.call("POST", f"/api/v1/orders/{o2['orderId']}/cancel", {"userId": user},
                               with_key(k)), 409, "IDEMPOTENCY_KEY_REUSED")
    assert client.order_status(o2["orderId"], user) == "NOT_PAID"


def test_with_authentication_the_tokens_user_owns_the_key(start_server):
    sp = start_server({"AUTH_JWT_SECRET": SECRET})
    try:
        api = sp.client
        users = [assert_json_ok(api.call("POST", "/api/v1/users", {"name": f"idem-{uuid.uuid4()}"},
                                         headers=bearer(ADMIN_TOKEN)), 201)["id"]
                 for _ in range(2)]
        k = key()
        answers = {}
        for u in users:
            h = {**bearer(hs256(claims_for(u))), **with_key(k)}
            first = api.call("POST", CHARGE, {"userId": u, "amount": 300 + u % 7}, h)
            assert assert_json_ok(first)["userId"] == u and not replayed(first)
            again = api.call("POST", CHARGE, {"userId": u, "amount": 300 + u % 7}, h)
            assert again.raw == first.raw and replayed(again)
            answers[u] = first.json["balance"]
        for u in users:
            r = api.call("GET", f"/api/v1/points?userId={u}", headers=bearer(hs256(claims_for(u))))
            assert assert_json_ok(r)["balance"] == answers[u] == 300 + u % 7
    finally:
        assert sp.terminate() == 0
