"""The concurrency tests (charges, coupon rush, stock race, payments) again, with user
authentication on: the same test functions, imported, run against servers started with
AUTH_JWT_SECRET through a client that sends each user's own token. The fixtures below
replace conftest's `client`, `user` and test_two_instances' `pair` for this module."""

import pytest

from apiclient import ADMIN_TOKEN, assert_problem
from jwt_tokens import SECRET, TokenClient, bearer

# Collected here as this module's tests, with this module's fixtures.
from test_concurrency import (  # noqa: F401
    test_concurrent_charges_are_all_applied_in_one_serial_order,
    test_concurrent_charges_race_the_limit,
    test_concurrent_charges_to_many_users_do_not_interfere,
)
from test_payment import test_concurrent_payments_of_one_order_pay_once  # noqa: F401
from test_two_instances import (  # noqa: F401
    test_300_single_unit_orders_for_100_units,
    test_concurrent_payments_balance_covers_one,
    test_coupon_race_400_users_for_50,
    test_one_user_twenty_concurrent_issues,
)

AUTH_ENV = {"AUTH_JWT_SECRET": SECRET}


@pytest.fixture(scope="module")
def client(start_server):
    sp = start_server(AUTH_ENV)
    yield TokenClient(sp.client)
    assert sp.terminate() == 0


@pytest.fixture
def user(client) -> int:
    return client.create_user()


@pytest.fixture(scope="module")
def pair(start_server):
    sps = [start_server(AUTH_ENV) for _ in range(2)]
    yield [TokenClient(sp.client) for sp in sps]
    for sp in sps:
        assert sp.terminate() == 0


def test_these_servers_really_want_tokens(client, pair):
    """Guards the tests above against passing only because authentication was off."""
    for c in [client, *pair]:
        user = c.create_user()
        plain = super(TokenClient, c)
        r = plain.call("GET", f"/api/v1/points?userId={user}")
        assert_problem(r, 401, "UNAUTHORIZED")
        r = plain.call("GET", f"/api/v1/points?userId={user}",
                       headers=bearer(c.token(user + 1)))
        assert_problem(r, 403, "FORBIDDEN")
        r = plain.call("POST", "/api/v1/users", {"name": "x"})
        assert_problem(r, 401, "UNAUTHORIZED")
        assert plain.call("POST", "/api/v1/users", {"name": "x"},
                          headers=bearer(ADMIN_TOKEN)).status == 201
