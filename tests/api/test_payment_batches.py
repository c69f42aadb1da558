"""Unkeyed payments are settled in batches (one statement and commit per batch and event
loop); a payment the batch cannot make is finished alone. Under concurrency every payment
must still get exactly its own answer, with its history row, outbox row and sales."""

import concurrent.futures as cf
import re

from apiclient import assert_problem
from test_payment import sold_today


def batch_figures(client, kind):
    text = client.call("GET", "/metrics").raw.decode()
    count = re.search(r'^db_write_batch_size_count\{kind="%s"\} (\S+)$' % kind, text, re.M)
    total = re.search(r'^db_write_batch_size_sum\{kind="%s"\} (\S+)$' % kind, text, re.M)
    assert count and total
    return float(count.group(1)), float(total.group(1))


def test_many_concurrent_payments_each_exact(client, sql):
    product = client.create_product(price=300, stock=1000)
    users = [client.create_user() for _ in range(10)]
    work = []  # (user, order id, expected to be paid)
    for u in users:
        assert client.charge(u, 5000).status == 200
        for _ in range(6):
            work.append((u, client.order_ok(u, [(product, 1)])["orderId"], True))
        # 6,000 > 5,000: never payable from this balance, so it is expired by the attempt.
        work.append((u, client.order_ok(u, [(product, 20)])["orderId"], False))
    work.sort(key=lambda w: w[1] % 7)  # interleave users and outcomes
    count_before, sum_before = batch_figures(client, "payment")

    with cf.ThreadPoolExecutor(48) as ex:
        results = list(ex.map(lambda w: (w, client.pay(w[0], w[1])), work))

    paid_orders = []
    answered = {}
    for (u, order_id, payable), r in results:
        if payable:
            assert r.status == 200, (r.status, r.raw)
            assert r.json["orderId"] == order_id and r.json["paidAmount"] == 300
            answered[order_id] = r.json["balance"]
            paid_orders.append(order_id)
        else:
            assert_problem(r, 409, "INSUFFICIENT_BALANCE")
            assert client.order_status(order_id, u) == "EXPIRED"
    for u in users:
        assert client.balance(u) == 5000 - 6 * 300
        h = client.history(u, size=100)
        oldest_first = list(reversed(h["content"]))
        assert [e["type"] for e in oldest_first] == ["CHARGE"] + ["USE"] * 6
        running = 5000
        for e in oldest_first[1:]:
            running -= 300
            assert e["balanceAfter"] == running, oldest_first
            assert answered[e["orderId"]] == running  # each answer is its own balance
    # Exactly one ORDER_PAID outbox row per paid order, none for the expired ones.
    ids = ",".join(str(w[1]) for w in work)
    rows = sql("SELECT aggregate_id, count(*) FROM outbox_events WHERE event_type = 'ORDER_PAID'"
               " AND aggregate_id IN (%s) GROUP BY aggregate_id" % ids)
    assert sorted(int(r[0]) for r in rows) == sorted(paid_orders)
    assert all(r[1] == "1" for r in rows)
    assert sold_today(sql, product) == 60
    assert client.stock(product) == 1000 - 60  # the expired orders' stock came back

    count_after, sum_after = batch_figures(client, "payment")
    assert sum_after - sum_before == len(work)  # every unkeyed payment went through a batch
    assert count_after - count_before < len(work)  # and some batches held several
