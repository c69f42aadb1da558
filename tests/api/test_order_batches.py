"""Unkeyed one-product orders without a coupon are placed in batches (one statement and
commit per batch and event loop); an order the batch cannot place is settled alone. Under
concurrency every order must still get exactly its own answer: stock taken first come,
first served, never oversold, each refusal telling the stock that was left."""

import concurrent.futures as cf

from apiclient import assert_problem
from test_payment_batches import batch_figures


def test_hot_product_rush_sells_exactly_the_stock(client, sql):
    product = client.create_product(price=700, stock=50)
    users = [client.create_user() for _ in range(20)]
    work = [(users[i % len(users)], 1 + i % 3) for i in range(120)]  # quantities 1..3
    count_before, sum_before = batch_figures(client, "order")

    with cf.ThreadPoolExecutor(48) as ex:
        results = list(ex.map(lambda w: (w, client.order(w[0], [{"productId": product,
                                                                  "quantity": w[1]}])), work))

    sold = 0
    placed_ids = []
    for (u, quantity), r in results:
        if r.status == 201:
            body = r.json
            assert body["userId"] == u and body["status"] == "NOT_PAID"
            assert body["items"] == [{"productId": product, "quantity": quantity,
                                      "unitPrice": 700, "amount": 700 * quantity}]
            assert body["totalAmount"] == body["payAmount"] == 700 * quantity
            assert body["discountAmount"] == 0 and body["userCouponId"] is None
            assert body["createdAt"] < body["expiresAt"]
            assert client.get_order(body["orderId"], u).json == body
            sold += quantity
            placed_ids.append(body["orderId"])
        else:
            assert_problem(r, 409, "OUT_OF_STOCK")
            assert "%d requested" % quantity in r.json["detail"], r.json
    # Never oversold, and the last units went: a refusal means too little was left for it.
    assert sold <= 50 and client.stock(product) == 50 - sold
    assert 50 - sold < 3
    assert len(set(placed_ids)) == len(placed_ids)
    rows = sql("SELECT coalesce(sum(quantity), 0) FROM order_items WHERE product_id = %d"
               % product)
    assert int(rows[0][0]) == sold

    count_after, sum_after = batch_figures(client, "order")
    assert sum_after - sum_before == len(work)  # every unkeyed one-product order was batched
    assert count_after - count_before < len(work)  # and some batches held several


def test_failures_in_a_batch_are_told_apart(client):
    product = client.create_product(price=100, stock=1000)
    user = client.create_user()
    missing_product = product + 10_000_000
    missing_user = user + 10_000_000
    work = ([("ok", user, product)] * 20 + [("no product", user, missing_product)] * 10 +
            [("no user", missing_user, product)] * 10)

    with cf.ThreadPoolExecutor(40) as ex:
        results = list(ex.map(lambda w: (w, client.order(w[1], [{"productId": w[2],
                                                                  "quantity": 1}])), work))
    for (kind, _, _), r in results:
        if kind == "ok":
            assert r.status == 201, (r.status, r.raw)
        elif kind == "no product":
            assert_problem(r, 404, "PRODUCT_NOT_FOUND")
        else:
            assert_problem(r, 404, "USER_NOT_FOUND")
    assert client.stock(product) == 1000 - 20
