"""The concurrency API tests, run unchanged through HAProxy over ECOMMERCE_CLUSTER_SIZE
instances (3 by default): coupon rushes, stock races, payments, charges and expiry keep their
exact outcomes when consecutive requests land on different instances."""

import pytest

# Imported, so pytest collects them here with this suite's fixtures. The originals' `pair`
# (two instances) becomes the cluster seen twice: HAProxy spreads the requests anyway.
from test_concurrency import (  # noqa: F401
    test_concurrent_charges_are_all_applied_in_one_serial_order,
    test_concurrent_charges_race_the_limit,
    test_concurrent_charges_to_many_users_do_not_interfere)
from test_coupons import test_answers_stay_exact_once_a_coupon_is_known_sold_out  # noqa: F401
from test_expiry import (  # noqa: F401
    test_order_past_expires_at_is_never_payable, test_unpaid_orders_expire_on_their_own)
from test_idempotency import (  # noqa: F401
    test_ten_concurrent_charges_with_one_key_charge_once,
    test_ten_concurrent_orders_with_one_key_place_one_order)
from test_payment import test_concurrent_payments_of_one_order_pay_once  # noqa: F401
from test_two_instances import (  # noqa: F401
    test_300_single_unit_orders_for_100_units, test_concurrent_cancels_restore_once,
    test_concurrent_payments_balance_covers_one, test_coupon_race_400_users_for_50,
    test_one_coupon_in_concurrent_orders_is_used_once, test_one_user_twenty_concurrent_issues,
    test_orders_racing_restocks_conserve_stock, test_overlapping_multi_line_orders_conserve_stock,
    test_pay_and_cancel_race_one_winner, test_payments_racing_expiry_are_consistent,
    test_unpaid_orders_expire_once_across_instances)


@pytest.fixture(scope="module")
def pair(client):
    return [client, client]


@pytest.fixture(scope="module")
def fast_cluster(start_server):
    """A second cluster whose unpaid orders expire after 2 s (the expiry tests' setting)."""
    sp = start_server({"ORDER_PAYMENT_TIMEOUT_SECONDS": "2"})
    yield sp.client
    assert sp.terminate() == 0


@pytest.fixture(scope="module")
def fast(fast_cluster):
    return fast_cluster


@pytest.fixture(scope="module")
def fast_pair(fast_cluster):
    return [fast_cluster, fast_cluster]
