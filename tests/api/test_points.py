import pytest

from apiclient import assert_json_ok, assert_problem, assert_recent, parse_kst

CHARGE = "/api/v1/points/charge"
NO_SUCH_USER = 9223372036854775807  # a valid id that no test database will reach
MAX_BALANCE = 100_000_000


@pytest.fixture
def funded(client, user):
    """A user with one charge of 1234 (balance 1234, one history row)."""
    assert client.charge(user, 1234).status == 200
    return user


def assert_unchanged(client, user_id, balance=1234, history_count=1):
    """'A failed request changes nothing': server alive, balance and history unchanged."""
    assert client.call("GET", "/health").status == 200
    assert client.balance(user_id) == balance
    assert client.history(user_id)["totalElements"] == history_count


# ---- charge: success --------------------------------------------------------------------

def test_charge_accumulates_and_returns_balance(client, user):
    r = client.charge(user, 5000)
    assert assert_json_ok(r) == {"userId": user, "balance": 5000}
    r = client.charge(user, 10000)
    assert assert_json_ok(r) == {"userId": user, "balance": 15000}
    assert client.balance(user) == 15000


@pytest.mark.parametrize("amount", [1, 1_000_000])
def test_charge_amount_bounds_accepted(client, user, amount):
    r = client.charge(user, amount)
    assert assert_json_ok(r)["balance"] == amount
    assert client.balance(user) == amount


def test_charge_ignores_unknown_fields(client, user):
    r = client.call("POST", CHARGE, {"userId": user, "amount": 700, "currency": "USD",
                                     "nested": {"a": [1, 2]}})
    assert assert_json_ok(r) == {"userId": user, "balance": 700}


def test_charge_accepts_json_with_charset(client, user):
    r = client.call("POST", CHARGE, raw=b'{"userId": %d, "amount": 10}' % user,
                    headers={"Content-Type": "application/json; charset=utf-8"})
    assert assert_json_ok(r)["balance"] == 10


# ---- charge: invalid input changes nothing ---------------------------------------------

@pytest.mark.parametrize("amount", [0, -5, 1_000_001, 9223372036854775807, -9223372036854775808])
def test_charge_amount_out_of_range_is_invalid_amount(client, funded, amount):
    r = client.charge(funded, amount)
    assert_problem(r, 400, "INVALID_AMOUNT")
    assert_unchanged(client, funded)


@pytest.mark.parametrize("amount_token", [
    "1.0", "1e3", "1E3", "100.5", '"100"', "9223372036854775808", "-9223372036854775809",
    "true", "null", "[100]", "{}",
    "18446744073709551616",
])
def test_charge_amount_not_an_int64_is_invalid_request(client, funded, amount_token):
    raw = '{"userId": %d, "amount": %s}' % (funded, amount_token)
    r = client.call("POST", CHARGE, raw=raw, headers={"Content-Type": "application/json"})
    assert_problem(r, 400, "INVALID_REQUEST")
    assert_unchanged(client, funded)


def test_charge_missing_amount_is_invalid_request(client, funded):
    r = client.call("POST", CHARGE, {"userId": funded})
    assert_problem(r, 400, "INVALID_REQUEST")
    assert_unchanged(client, funded)


@pytest.mark.parametrize("user_token", [
    "0", "-1", '"1"', "1.5", "1.0", "true", "null", "9223372036854775808", "[1]",
])
def test_charge_bad_user_id_is_invalid_request(client, funded, user_token):
    raw = '{"userId": %s, "amount": 100}' % user_token
    r = client.call("POST", CHARGE, raw=raw, headers={"Content-Type": "application/json"})
    assert_problem(r, 400, "INVALID_REQUEST")
    assert_unchanged(client, funded)


def test_charge_missing_user_id_is_invalid_request(client, funded):
    r = client.call("POST", CHARGE, {"amount": 100})
    assert_problem(r, 400, "INVALID_REQUEST")
    assert_unchanged(client, funded)


@pytest.mark.parametrize("raw", [
    b"[]", b"[1, 2]", b"42", b'"x"', b"null", b"", b"{", b'{"userId": 1, "amount": 5',
    b"{'userId': 1}", b'{"userId": 1, "amount": 5} {}', b'{"userId": 1 "amount": 5}',
], ids=["empty-array", "array", "number", "string", "null", "empty", "open-brace", "truncated",
        "single-quotes", "two-documents", "missing-comma"])
def test_charge_malformed_or_non_object_json_is_invalid_request(client, funded, raw):
    r = client.call("POST", CHARGE, raw=raw, headers={"Content-Type": "application/json"})
    assert_problem(r, 400, "INVALID_REQUEST")
    assert_unchanged(client, funded)


def test_charge_unknown_user_is_404(client):
    r = client.charge(NO_SUCH_USER, 100)
    assert_problem(r, 404, "USER_NOT_FOUND")


def test_validation_order_body_before_user(client):
    # body shape (400) is checked before the user exists (404)
    assert_problem(client.charge(NO_SUCH_USER, 0), 400, "INVALID_AMOUNT")
    assert_problem(client.charge(NO_SUCH_USER, 1_000_001), 400, "INVALID_AMOUNT")
    r = client.call("POST", CHARGE, raw=b'{"userId": %d, "amount": 1.5}' % NO_SUCH_USER,
                    headers={"Content-Type": "application/json"})
    assert_problem(r, 400, "INVALID_REQUEST")


def test_validation_order_amount_before_limit(client, user):
    client.fill_to(user, MAX_BALANCE)
    # an invalid amount on a full wallet is still 400, not 409
    assert_problem(client.charge(user, 0), 400, "INVALID_AMOUNT")
    assert_problem(client.charge(user, 1_000_001), 400, "INVALID_AMOUNT")
    assert client.balance(user) == MAX_BALANCE


# ---- balance limit ----------------------------------------------------------------------

def test_balance_limit_exact_boundary(client, user):
    client.fill_to(user, MAX_BALANCE - 1000)          # 99,999,000
    n_before = client.history(user, size=1)["totalElements"]

    r = client.charge(user, 1001)                     # would be 100,000,001
    assert_problem(r, 409, "BALANCE_LIMIT_EXCEEDED")
    assert client.balance(user) == MAX_BALANCE - 1000
    assert client.history(user, size=1)["totalElements"] == n_before

    r = client.charge(user, 1000)                     # exactly 100,000,000 is allowed
    assert assert_json_ok(r) == {"userId": user, "balance": MAX_BALANCE}

    r = client.charge(user, 1)                        # one more won is not
    assert_problem(r, 409, "BALANCE_LIMIT_EXCEEDED")
    assert client.balance(user) == MAX_BALANCE
    h = client.history(user, size=1)
    assert h["totalElements"] == n_before + 1
    assert h["content"][0]["balanceAfter"] == MAX_BALANCE
    assert h["content"][0]["amount"] == 1000


# ---- GET balance ------------------------------------------------------------------------

def test_get_balance(client, user):
    r = client.call("GET", f"/api/v1/points?userId={user}")
    assert assert_json_ok(r) == {"userId": user, "balance": 0}
    client.charge(user, 300)
    client.charge(user, 200)
    r = client.call("GET", f"/api/v1/points?userId={user}")
    assert assert_json_ok(r) == {"userId": user, "balance": 500}


@pytest.mark.parametrize("query", [
    "", "?userId=", "?userId=abc", "?userId=0", "?userId=-3", "?userId=1.5", "?userId=1e3",
    "?userId=9223372036854775808", "?userId=%201", "?user=1",
])
def test_get_balance_bad_user_id_is_400(client, query):
    r = client.call("GET", "/api/v1/points" + query)
    assert_problem(r, 400, "INVALID_REQUEST")


def test_get_balance_unknown_user_is_404(client):
    r = client.call("GET", f"/api/v1/points?userId={NO_SUCH_USER}")
    assert_problem(r, 404, "USER_NOT_FOUND")


# ---- history ----------------------------------------------------------------------------

def test_history_entries_newest_first(client, user):
    amounts = [100, 250, 3000, 7, 1_000_000]
    for a in amounts:
        assert client.charge(user, a).status == 200
    r = client.call("GET", f"/api/v1/points/history?userId={user}&page=0&size=20")
    h = assert_json_ok(r)
    assert h["page"] == 0 and h["size"] == 20 and h["totalElements"] == 5
    content = h["content"]
    assert [e["amount"] for e in content] == list(reversed(amounts))
    running = 0
    expected_after = []
    for a in amounts:
        running += a
        expected_after.append(running)
    assert [e["balanceAfter"] for e in content] == list(reversed(expected_after))
    for e in content:
        assert set(e) >= {"type", "amount", "balanceAfter", "orderId", "createdAt"}
        assert e["type"] == "CHARGE"
        assert e["orderId"] is None
        assert type(e["amount"]) is int and e["amount"] > 0
        assert_recent(e["createdAt"])
    stamps = [e["createdAt"] for e in content]
    parsed = [parse_kst(s) for s in stamps]
    assert parsed == sorted(parsed, reverse=True)


def test_history_defaults_and_pagination(client, user):
    for a in (1, 2, 3, 4, 5):
        client.charge(user, a)
    base = f"/api/v1/points/history?userId={user}"

    h = assert_json_ok(client.call("GET", base))            # defaults page=0 size=20
    assert (h["page"], h["size"], h["totalElements"]) == (0, 20, 5)
    assert [e["amount"] for e in h["content"]] == [5, 4, 3, 2, 1]

    pages = []
    for page in range(3):
        h = assert_json_ok(client.call("GET", f"{base}&page={page}&size=2"))
        assert (h["page"], h["size"], h["totalElements"]) == (page, 2, 5)
        pages.append([e["amount"] for e in h["content"]])
    assert pages == [[5, 4], [3, 2], [1]]

    h = assert_json_ok(client.call("GET", f"{base}&page=3&size=2"))   # past the end
    assert h["content"] == [] and h["totalElements"] == 5 and h["page"] == 3

    h = assert_json_ok(client.call("GET", f"{base}&page=1000000&size=100"))
    assert h["content"] == [] and h["totalElements"] == 5

    h = assert_json_ok(client.call("GET", f"{base}&size=1"))
    assert [e["amount"] for e in h["content"]] == [5] and h["size"] == 1

    h = assert_json_ok(client.call("GET", f"{base}&size=100"))
    assert len(h["content"]) == 5 and h["size"] == 100


@pytest.mark.parametrize("params", [
    "size=0", "size=101", "size=abc", "size=-1", "page=-1", "page=abc", "page=1.5",
])
def test_history_bad_paging_is_400(client, user, params):
    r = client.call("GET", f"/api/v1/points/history?userId={user}&{params}")
    assert_problem(r, 400, "INVALID_REQUEST")


@pytest.mark.parametrize("query", ["", "?userId=abc", "?userId=0", "?userId=-3", "?page=0"])
def test_history_bad_user_id_is_400(client, query):
    r = client.call("GET", "/api/v1/points/history" + query)
    assert_problem(r, 400, "INVALID_REQUEST")


def test_history_unknown_user_is_404(client):
    r = client.call("GET", f"/api/v1/points/history?userId={NO_SUCH_USER}")
    assert_problem(r, 404, "USER_NOT_FOUND")


def test_failed_charges_are_not_in_history(client, funded):
    client.charge(funded, 0)
    client.charge(funded, 2_000_000)
    h = client.history(funded)
    assert h["totalElements"] == 1
    assert [(e["amount"], e["balanceAfter"]) for e in h["content"]] == [(1234, 1234)]
