"""Half-failures under load: the database takes requests and does not answer. Two instances
of the real server reach PostgreSQL through a fault proxy (tests/api/apiclient.TcpProxy), a
mixed write load of *unkeyed* requests runs, and the proxy in turn:

1. holds every answer of the database (statements still reach it and commit) for longer than
   the request deadline, then cuts every connection;
2. cuts every connection once, with no hold;
3. delays every answer for a while (a slow network);
4. holds every answer, cuts the connections and goes on holding the answers of the new ones
   for longer than the service has to learn a write's outcome (the request deadline): the
   writes in flight at the cut may answer 504 OUTCOME_UNKNOWN.

Some charges carry an Idempotency-Key and are retried with it after a 503 or 504, as the
contract says a client should: each must end applied exactly once.

Then the audit of tests/fault/test_faults.py (money, stock, coupons, events) and, on top of
it, every answer checked against the database ("every answer is true", the contract):

- a charge answered 200 is in the history exactly once, one answered 503 is not there;
- a payment answered 200 left its order PAID, one answered 503 did not;
- orders and coupons in the database = the 201 answers (plus at most the 504 answers);
- 504 OUTCOME_UNKNOWN at most once per request in flight at a fault;
- a keyed charge retried after 503 or 504 is in the history exactly once.

The figures (answers by status, 504s, lies) are printed for the README.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import test_faults as base  # noqa: E402
from test_faults import (  # noqa: E402,F401  (database_url is a fixture used by name)
    Instances, Load, audit_all, database_url, sql, wait_for, wait_ready)

from apiclient import TcpProxy, proxied_database_url  # noqa: E402
from test_events import FakePlatform  # noqa: E402

DEADLINE_MS = 2000
HOLD_SECONDS = 5.0
HOLD_AFTER_CUT_SECONDS = 4.0  # longer than the outcome budget (the 2 s deadline)
WORKERS = base.WORKERS


class TracedLoad(Load):
    """The shoppers of test_faults, one request at a time, with every answer kept so that it
    can be checked against the database."""

    def __init__(self, *args):
        super().__init__(*args)
        self.charge_answers: dict[tuple[int, int], int] = {}
        self.pay_answers: dict[int, int] = {}
        self.answers = Counter()  # what -> status counts
        self.keyed_retries = 0

    def call(self, what, fn):
        r = super().call(what, fn)
        if r is not None:
            with self.lock:
                self.answers[(what, r.status)] += 1
        return r

    def work(self, n: int) -> None:
        rng = random.Random(1000 + n)
        while not self.stop.is_set():
            user = rng.choice(self.users)
            roll = rng.random()
            if roll < 0.05:
                self.keyed_charge(user)
            elif roll < 0.35:
                amount = next(self.amounts)
                with self.lock:
                    self.charges_tried[user].add(amount)
                r = self.call("charge", lambda c: c.charge(user, amount))
                if r is None:
                    continue
                with self.lock:
                    self.charge_answers[(user, amount)] = r.status
                    if r.status == 200:
                        self.charges_ok[user].add(amount)
            elif roll < 0.45:
                coupon = rng.choice(self.coupons)
                r = self.call("issue", lambda c: c.issue(user, coupon))
                if r is not None and r.status == 201:
                    with self.lock:
                        self.user_coupons[user].append(r.json["userCouponId"])
            else:
                # Mostly one line (the batched path), some with several (one transaction).
                count = 1 if rng.random() < 0.7 else rng.randint(2, 3)
                lines = [(p, rng.randint(1, 2)) for p in rng.sample(self.products, count)]
                r = self.call("order", lambda c: c.order(user, lines))
                if r is None or r.status != 201:
                    continue
                order = r.json["orderId"]
                if rng.random() < 0.8:
                    p = self.call("pay", lambda c: c.pay(user, order))
                    if p is not None:
                        with self.lock:
                            self.pay_answers[order] = p.status


    def keyed_charge(self, user: int) -> None:
        """A charge with an Idempotency-Key, retried with the same key after 503 or 504
        (or a lost connection) until it gets a final answer."""
        amount = next(self.amounts)
        key = f"half-{amount}"
        with self.lock:
            self.charges_tried[user].add(amount)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            r = self.call("keyed charge", lambda c: c.call(
                "POST", "/api/v1/points/charge", {"userId": user, "amount": amount},
                headers={"Idempotency-Key": key}))
            if r is not None and r.status not in (503, 504):
                with self.lock:
                    self.charge_answers[(user, amount)] = r.status
                    if r.status == 200:
                        self.charges_ok[user].add(amount)
                return
            with self.lock:
                self.keyed_retries += 1
            time.sleep(0.2)


def audit_answers(url: str, load: TracedLoad) -> dict:
    """Every 2xx applied once, every 503 not at all; returns the figures."""
    lies = []
    in_history = defaultdict(set)
    for user, amount in sql(url, "SELECT user_id, amount FROM point_history WHERE type = 'CHARGE'"):
        in_history[int(user)].add(int(amount))
    for (user, amount), status in load.charge_answers.items():
        applied = amount in in_history[user]
        if (status == 200 and not applied) or (status == 503 and applied):
            lies.append(f"charge {amount} of user {user}: answered {status}, applied {applied}")
    statuses = {int(o): s for o, s in sql(url, "SELECT id, status FROM orders")}
    for order, status in load.pay_answers.items():
        paid = statuses.get(order) == "PAID"
        if (status == 200 and not paid) or (status == 503 and paid):
            lies.append(f"payment of order {order}: answered {status}, order {statuses.get(order)}")
    a = load.answers
    orders_ok, orders_unknown = a[("order", 201)], a[("order", 504)]
    if not orders_ok <= len(statuses) <= orders_ok + orders_unknown:
        lies.append(f"{len(statuses)} orders in the database for {orders_ok} answered 201 "
                    f"and {orders_unknown} answered 504")
    issued = int(sql(url, "SELECT count(*) FROM user_coupons")[0][0])
    issues_ok, issues_unknown = a[("issue", 201)], a[("issue", 504)]
    if not issues_ok <= issued <= issues_ok + issues_unknown:
        lies.append(f"{issued} coupons issued for {issues_ok} answered 201 "
                    f"and {issues_unknown} answered 504")
    checked = len(load.charge_answers) + len(load.pay_answers) + sum(
        v for (what, _), v in a.items() if what in ("order", "issue"))
    unknown = sum(v for (_, status), v in a.items() if status == 504)
    return {"checked": checked, "lies": lies, "outcome_unknown": unknown}


def test_every_answer_is_true_when_the_database_stops_answering(database_url, tmp_path):
    binary = Path(os.environ.get("ECOMMERCE_SERVER_BIN",
                                 base.REPO / "build/release/ecommerce-server"))
    assert binary.is_file(), f"server binary not found: {binary} (set ECOMMERCE_SERVER_BIN)"
    family, addr, rewrite = proxied_database_url(database_url)
    proxy = TcpProxy(family, addr)
    proxy.start()
    platform = FakePlatform()
    platform.start()
    instances = Instances(binary, rewrite(proxy.port), platform.url, tmp_path)
    for env in instances.envs:
        env["REQUEST_DEADLINE_MS"] = str(DEADLINE_MS)
    faults = 0
    try:
        instances.start(0)
        instances.start(1)
        a = instances.clients[0]
        initial = {}
        for price in (700, 1200, 2500):
            initial[a.create_product(price=price, stock=100_000)] = 100_000
        coupons = [a.create_coupon(totalQuantity=30)["id"],
                   a.create_coupon(discountValue=500, totalQuantity=1000)["id"]]
        users = [a.create_user() for _ in range(24)]
        load = TracedLoad(instances, users, list(initial), coupons)
        for u in users:
            assert a.charge(u, 500_000).status == 200  # enough to pay what they order
            load.charges_tried[u].add(500_000)
            load.charges_ok[u].add(500_000)

        started = time.monotonic()
        with load:
            time.sleep(3)
            # 1. answers held past the deadline, then the connections cut
            proxy.hold_answers()
            time.sleep(HOLD_SECONDS)
            proxy.cut()
            proxy.release_answers()
            faults += 1
            wait_ready(instances, timeout=20)
            time.sleep(3)
            # 2. one cut, no hold
            proxy.cut()
            faults += 1
            wait_ready(instances, timeout=20)
            time.sleep(3)
            # 3. every answer late by 300 ms for a while
            proxy.delay = 0.3
            time.sleep(3)
            proxy.delay = 0.0
            time.sleep(3)
            # 4. answers held, the connections cut, and the new ones held past the budget
            proxy.hold_answers()
            time.sleep(HOLD_SECONDS)
            proxy.cut()
            time.sleep(HOLD_AFTER_CUT_SECONDS)
            proxy.cut()
            proxy.release_answers()
            faults += 1
            wait_ready(instances, timeout=20)
            time.sleep(3)
        took = time.monotonic() - started

        wait_for("every unpaid order to expire",
                 lambda: sql(database_url, "SELECT count(*) FROM orders "
                                           "WHERE status = 'NOT_PAID'") == [("0",)],
                 timeout=base.PAYMENT_TIMEOUT + 30)
        wait_for("the outbox to drain",
                 lambda: sql(database_url, "SELECT count(*) FROM outbox_events "
                                           "WHERE delivered_at IS NULL") == [("0",)],
                 timeout=60)
        figures = audit_answers(database_url, load)
        print(f"\nhalf-failure run: {took:.0f} s of load, {WORKERS} workers, {faults} faults "
              f"(answers held {HOLD_SECONDS:.0f} s then cut; one cut; answers 300 ms late; "
              f"held, cut, and held {HOLD_AFTER_CUT_SECONDS:.0f} s more); answers checked against the "
              f"database: {figures['checked']}, lies: {len(figures['lies'])}, 504 "
              f"OUTCOME_UNKNOWN: {figures['outcome_unknown']}; keyed charges retried after "
              f"503/504: {load.keyed_retries}, each applied once")
        print("answers:", dict(sorted((f"{w} {s}", v) for (w, s), v in load.answers.items())))

        assert not figures["lies"], figures["lies"][:10]
        other_errors = [e for e in load.server_errors if not e.split(": ", 1)[1].startswith("504")]
        assert not other_errors, f"5xx other than 503 and 504: {other_errors[:10]}"
        assert figures["outcome_unknown"] <= WORKERS * faults, figures
        assert load.answers[("charge", 200)] > 0 and load.answers[("pay", 200)] > 0
        audit_all(database_url, load, initial, platform)
        instances.stop_all()
    except BaseException:
        print(instances.logs())
        raise
    finally:
        instances.kill_left()
        platform.stop()
        proxy.stop()
