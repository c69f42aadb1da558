"""GET /api/v1/products/best: top 5 by units in PAID orders over the last 3 sales days."""

import concurrent.futures as cf
import datetime as dt
import itertools
import random
import re
import time

import pytest

from apiclient import assert_json_ok, assert_problem

BEST = "/api/v1/products/best"
KST = dt.timezone(dt.timedelta(hours=9))


def record_sales(sql, day: dt.date, sales: dict[int, int]) -> None:
    """Writes daily statistics directly: the window arithmetic is what is under test."""
    values = ", ".join(f"('{day.isoformat()}', {p}, {q})" for p, q in sales.items())
    sql(f"INSERT INTO daily_product_sales (sales_date, product_id, quantity) VALUES {values} "
        "ON CONFLICT (sales_date, product_id) DO UPDATE SET quantity = excluded.quantity")


def best(client, day: dt.date | None = None) -> list:
    path = BEST if day is None else f"{BEST}?date={day.isoformat()}"
    return assert_json_ok(client.call("GET", path))


# Each test takes its own far-away dates, so a window holds only that test's products (also
# when the suite runs again on the same database).
_days = itertools.count(random.randrange(0, 3_000) * 10, 10)


def fresh_day() -> dt.date:
    return dt.date(1901, 1, 1) + dt.timedelta(days=next(_days) % 36_000)  # before 2000


def test_ranking_order_ties_and_fields(client, sql):
    day = fresh_day()
    names = [f"best-{i}" for i in range(7)]
    ids = [client.create_product(price=1000 + i, stock=50 + i, name=n)
           for i, n in enumerate(names)]
    # Quantities: ids[3] 90, ids[1] and ids[5] tie at 40 (lower id first), ...
    record_sales(sql, day, {ids[0]: 5, ids[1]: 40, ids[2]: 12, ids[3]: 90, ids[4]: 1,
                            ids[5]: 40, ids[6]: 12})
    got = best(client, day)
    assert [e["productId"] for e in got] == [ids[3], ids[1], ids[5], ids[2], ids[6]]
    assert [e["rank"] for e in got] == [1, 2, 3, 4, 5]
    assert got[0] == {"rank": 1, "productId": ids[3], "name": "best-3", "price": 1003,
                      "stock": 53, "salesQuantity": 90}
    assert [e["salesQuantity"] for e in got] == [90, 40, 40, 12, 12]


def test_window_is_the_day_and_the_two_before(client, sql):
    last = fresh_day()
    a, b, c, d, e = (client.create_product() for _ in range(5))
    record_sales(sql, last, {a: 1})
    record_sales(sql, last - dt.timedelta(days=1), {a: 2, b: 7})
    record_sales(sql, last - dt.timedelta(days=2), {c: 5})
    record_sales(sql, last - dt.timedelta(days=3), {d: 100})  # just outside
    record_sales(sql, last + dt.timedelta(days=1), {e: 100})  # after the window
    got = best(client, last)
    assert [(x["productId"], x["salesQuantity"]) for x in got] == [(b, 7), (c, 5), (a, 3)]
    # One day later the window has moved forward: c drops out, e comes in.
    got = best(client, last + dt.timedelta(days=1))
    assert [(x["productId"], x["salesQuantity"]) for x in got] == [(e, 100), (b, 7), (a, 3)]
    got = best(client, last - dt.timedelta(days=1))
    assert [(x["productId"], x["salesQuantity"]) for x in got] == [(d, 100), (b, 7), (c, 5),
                                                                   (a, 2)]


def test_empty_window_is_an_empty_list(client):
    assert best(client, fresh_day()) == []


@pytest.mark.parametrize("bad", ["2026-02-30", "2026-1-01", "20260101", "2026-13-01",
                                 "abc", "", "2026-01-01T00:00:00", "0000-01-01", "+2026-01-01"])
def test_bad_date_is_400(client, bad):
    assert_problem(client.call("GET", f"{BEST}?date={bad}"), 400, "INVALID_REQUEST")


def test_leap_day_is_a_date(client):
    assert isinstance(best(client, dt.date(2024, 2, 29)), list)


def test_window_crosses_a_year_boundary(client, sql):
    p = client.create_product()
    record_sales(sql, dt.date(1899, 12, 31), {p: 4})  # before any fresh_day()
    record_sales(sql, dt.date(1900, 1, 1), {p: 5})
    got = {e["productId"]: e["salesQuantity"] for e in best(client, dt.date(1900, 1, 1))}
    assert got.get(p) == 9


def test_best_is_not_taken_for_a_product_id(client):
    r = client.call("GET", BEST)
    assert r.status == 200 and isinstance(r.json, list)
    assert_problem(client.call("POST", BEST, {}), 405, "METHOD_NOT_ALLOWED")


def test_payment_shows_up_within_ten_seconds_on_the_seoul_day(client, user):
    p = client.create_product(price=1, stock=5000, name="best-live")
    client.charge(user, 10_000)
    best(client)  # make sure a cached answer exists that predates the payment
    for _ in range(3):
        o = client.order_ok(user, [(p, 1000)])
        assert_json_ok(client.pay(user, o["orderId"]))
    deadline = time.monotonic() + 10.5
    while True:
        got = {e["productId"]: e for e in best(client)}
        if p in got:
            break
        assert time.monotonic() < deadline, "a 3000-unit payment did not show within 10 s"
        time.sleep(0.25)
    assert got[p]["salesQuantity"] == 3000 and got[p]["stock"] == 2000
    today_seoul = dt.datetime.now(KST).date()
    assert p in {e["productId"] for e in best(client, today_seoul)}
    assert p not in {e["productId"] for e in best(client, today_seoul - dt.timedelta(days=3))}


def metric(client, name: str) -> float:
    text = client.call("GET", "/metrics").raw.decode()
    m = re.search(rf"^{name} (\S+)$", text, re.M)
    assert m, f"{name} missing from /metrics"
    return float(m.group(1))


def test_a_read_burst_costs_at_most_one_query_per_event_loop(client):
    day = fresh_day()  # a key nobody has asked for
    before = metric(client, "best_sellers_queries_total")

    def read(_):
        return client.call("GET", f"{BEST}?date={day.isoformat()}").status

    with cf.ThreadPoolExecutor(32) as pool:
        statuses = list(pool.map(read, range(400)))
    assert statuses == [200] * 400
    after = metric(client, "best_sellers_queries_total")
    # The test server runs one event loop per core; each loop has its own cache.
    assert 1 <= after - before <= 4, (before, after)
