import concurrent.futures as cf
from collections import Counter

from apiclient import assert_problem

MAX_BALANCE = 100_000_000


def run_concurrently(fn, args, workers=32):
    with cf.ThreadPoolExecutor(max_workers=workers) as ex:
        return list(ex.map(fn, args))


def test_concurrent_charges_are_all_applied_in_one_serial_order(client, user):
    amounts = [1000 + 7 * i for i in range(100)]           # distinct, known
    results = run_concurrently(lambda a: (a, client.charge(user, a)), amounts, workers=40)

    bad = [(a, r.status, r.raw[:200]) for a, r in results if r.status != 200]
    assert not bad, bad
    total = sum(amounts)
    assert client.balance(user) == total

    h = client.history(user, page=0, size=100)
    assert h["totalElements"] == 100
    entries = h["content"]
    assert len(entries) == 100
    assert Counter(e["amount"] for e in entries) == Counter(amounts)
    assert all(e["type"] == "CHARGE" for e in entries)

    # newest first, in the order the balance changed: every entry builds on the older one
    oldest_first = list(reversed(entries))
    assert oldest_first[0]["balanceAfter"] == oldest_first[0]["amount"]
    for older, newer in zip(oldest_first, oldest_first[1:]):
        assert newer["balanceAfter"] == older["balanceAfter"] + newer["amount"], (older, newer)
    assert entries[0]["balanceAfter"] == total

    # each response reported the balance right after its own charge
    after_by_amount = {e["amount"]: e["balanceAfter"] for e in entries}
    for a, r in results:
        assert r.json == {"userId": user, "balance": after_by_amount[a]}


def test_concurrent_charges_race_the_limit(client, user):
    client.fill_to(user, MAX_BALANCE - 10_000)              # 99,990,000
    before = client.history(user, size=1)["totalElements"]

    results = run_concurrently(lambda _: client.charge(user, 1000), range(50), workers=50)
    statuses = Counter(r.status for r in results)
    assert statuses == {200: 10, 409: 40}, statuses
    for r in results:
        if r.status == 409:
            assert_problem(r, 409, "BALANCE_LIMIT_EXCEEDED")
    assert sorted(r.json["balance"] for r in results if r.status == 200) == \
        [MAX_BALANCE - 10_000 + 1000 * k for k in range(1, 11)]

    assert client.balance(user) == MAX_BALANCE
    h = client.history(user, size=100)
    assert h["totalElements"] == before + 10
    assert h["content"][0]["balanceAfter"] == MAX_BALANCE


def test_concurrent_charges_to_many_users_do_not_interfere(client):
    users = [client.create_user() for _ in range(10)]
    jobs = [(u, 100 * (i + 1)) for i, u in enumerate(users) for _ in range(10)]
    results = run_concurrently(lambda j: client.charge(*j), jobs, workers=32)
    assert all(r.status == 200 for r in results), Counter(r.status for r in results)
    for i, u in enumerate(users):
        assert client.balance(u) == 1000 * (i + 1)
        assert client.history(u)["totalElements"] == 10
