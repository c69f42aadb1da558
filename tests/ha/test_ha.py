"""The service on a replicated database (`scripts/cluster 2 --ha`: 3 PostgreSQL nodes under
Patroni, one synchronous standby) under a mixed write load through HAProxy, while the
database is broken in six ways, one test each, in this order on one cluster:

1. failover: the leader's Patroni and postmaster SIGKILLed; time until writes succeed again
   (RTO) measured, target <= 15 s;
2. the old leader comes back (scripts/cluster starts its Patroni again): it rejoins as a
   replica (pg_rewind), and at no sample did two nodes accept writes (split brain);
3. switchover with patronictl;
4. the synchronous standby dies: writes go on, the other replica becomes synchronous;
5. a replica falls behind (WAL replay paused): the service stops reading from it, best
   sellers stay within 10 s of the truth;
6. backup (scripts/backup take, from a replica) and a point-in-time restore into a fresh
   PostgreSQL: every write acknowledged before that time is there.

After each scenario the load stops and an exact audit runs on the leader (tests/fault's:
money, stock, coupons, events), plus what failovers add: every unkeyed charge answered 200
applied once, every one answered 503 not applied (504s counted: the outcome was unknown),
every keyed request ended in a true final answer, and no 500.

Env: ECOMMERCE_SERVER_BIN (default build/release/ecommerce-server); HA_WORKERS (load
threads, default 6).
"""

from __future__ import annotations

import http.client
import itertools
import os
import random
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests/fault"))

from ha_cluster import HaCluster, free_port_range, wait_for  # noqa: E402
from apiclient import ADMIN_TOKEN, Client  # noqa: E402
from test_events import FakePlatform  # noqa: E402
import test_faults as faults  # noqa: E402

WORKERS = int(os.environ.get("HA_WORKERS", "6"))
PAYMENT_TIMEOUT = 4
RTO_TARGET = 15.0
KEYED_GIVE_UP = 40.0  # a keyed request still failing after this many seconds "ended in error"
FINDINGS: dict = {}
# Until the lead's "every answer true" work (issue 24) lands, a commit whose answer is lost
# with the leader answers 503 (not 504), and a statement on a connection that reached a
# demoted leader (SQLSTATE 25006) answers 500. HA_BEFORE_ISSUE_24=1 records both instead of
# failing on them, and retries a keyed 500, so the other checks can be seen; CI runs strict.
BEFORE_ISSUE_24 = os.environ.get("HA_BEFORE_ISSUE_24") == "1"


# ---- what the clients were told --------------------------------------------------------------

class Ledger:
    """Everything the load learnt, across every scenario (the audits read it)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.amounts = itertools.count(20_000)  # every charge amount is unique: traceable
        self.charges_tried: dict[int, set[int]] = defaultdict(set)
        self.charges_ok: dict[int, set[int]] = defaultdict(set)
        self.charges_refused: dict[int, set[int]] = defaultdict(set)  # answered 503
        self.charges_unknown: dict[int, set[int]] = defaultdict(set)  # 504 or no answer
        self.user_coupons: dict[int, list[int]] = defaultdict(list)
        self.statuses: Counter = Counter()
        self.server_errors: list[str] = []
        self.keyed_failed: list[str] = []
        self.write_ok: list[tuple[float, float]] = []  # (sent, answered) of 2xx writes
        self.write_failed: list[float] = []  # sent, of writes answered 5xx or not at all


class Load:
    """Worker threads through HAProxy: unkeyed charges (each a unique amount), and keyed
    coupon issues, orders, payments and cancels retried with their key until they get a
    final answer."""

    def __init__(self, cluster: HaCluster, ledger: Ledger, users, products, coupons):
        self.cluster, self.ledger = cluster, ledger
        self.users, self.products, self.coupons = users, products, coupons
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.work, args=(n,), daemon=True)
                        for n in range(WORKERS)]

    def send(self, what: str, method: str, path: str, body: dict, key: str | None = None):
        client = Client("127.0.0.1", self.cluster.port, timeout=20)
        headers = {"Idempotency-Key": key} if key else None
        sent = time.monotonic()
        try:
            r = client.call(method, path, body, headers=headers)
        except (OSError, http.client.HTTPException) as e:
            with self.ledger.lock:
                self.ledger.statuses[f"{what} {type(e).__name__}"] += 1
                self.ledger.write_failed.append(sent)
            return None
        with self.ledger.lock:
            self.ledger.statuses[f"{what} {r.status}"] += 1
            if r.status >= 500 and r.status not in (503, 504):
                self.ledger.server_errors.append(f"{what}: {r.status} {r.raw[:300]!r}")
            if 200 <= r.status < 300:
                self.ledger.write_ok.append((sent, time.monotonic()))
            elif r.status >= 500:
                self.ledger.write_failed.append(sent)
        return r

    def keyed(self, what: str, method: str, path: str, body: dict):
        """Retries with one key until an answer other than 503/504/no answer."""
        key = f"ha-{uuid.uuid4()}"
        started = time.monotonic()
        while True:
            r = self.send(what, method, path, body, key)
            retry = (503, 504, 500) if BEFORE_ISSUE_24 else (503, 504)
            if r is not None and r.status not in retry:
                if r.status >= 500:
                    with self.ledger.lock:
                        self.ledger.keyed_failed.append(f"{what} {path} {body}: {r.status}")
                return r
            if time.monotonic() - started > KEYED_GIVE_UP:
                with self.ledger.lock:
                    self.ledger.keyed_failed.append(
                        f"{what} {path} {body}: {r.status if r else 'no answer'}")
                return None
            time.sleep(0.2)

    def work(self, n: int) -> None:
        rng = random.Random(n * 7919 + int(time.time()))
        ledger = self.ledger
        while not self.stop.is_set():
            user = rng.choice(self.users)
            roll = rng.random()
            if roll < 0.30:
                with ledger.lock:
                    amount = next(ledger.amounts)
                    ledger.charges_tried[user].add(amount)
                r = self.send("charge", "POST", "/api/v1/points/charge",
                              {"userId": user, "amount": amount})
                with ledger.lock:
                    if r is None or r.status == 504:
                        ledger.charges_unknown[user].add(amount)
                    elif r.status == 200:
                        ledger.charges_ok[user].add(amount)
                    elif r.status == 503:
                        ledger.charges_refused[user].add(amount)
                if r is None or r.status >= 500:
                    time.sleep(0.1)
            elif roll < 0.40:
                coupon = rng.choice(self.coupons)
                r = self.keyed("issue", "POST", "/api/v1/coupons/issue",
                               {"userId": user, "couponId": coupon})
                if r is not None and r.status == 201:
                    with ledger.lock:
                        ledger.user_coupons[user].append(r.json["userCouponId"])
            else:
                lines = [{"productId": p, "quantity": rng.randint(1, 3)}
                         for p in rng.sample(self.products, rng.randint(1, 2))]
                with ledger.lock:
                    held = list(ledger.user_coupons[user])
                body = {"userId": user, "items": lines}
                if held and rng.random() < 0.3:
                    body["userCouponId"] = rng.choice(held)
                r = self.keyed("order", "POST", "/api/v1/orders", body)
                if r is None or r.status != 201:
                    continue
                order = r.json["orderId"]
                then = rng.random()
                if then < 0.6:
                    self.keyed("pay", "POST", "/api/v1/points/use",
                               {"userId": user, "orderId": order})
                elif then < 0.75:
                    self.keyed("cancel", "POST", f"/api/v1/orders/{order}/cancel",
                               {"userId": user})

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=120)


class SplitBrainWatch:
    """Samples every node, every 0.25 s, directly over SQL: how many accept writes
    (pg_is_in_recovery() false). Two at once would be split brain."""

    def __init__(self, cluster: HaCluster):
        self.cluster = cluster
        self.stop = threading.Event()
        self.samples = 0
        self.both: list[tuple[float, list[str]]] = []
        self.thread = threading.Thread(target=self.run, daemon=True)

    def writable(self, name: str) -> bool:
        try:
            rows = self.cluster.sql(name, "SELECT NOT pg_is_in_recovery()", database="postgres")
            return bool(rows and rows[0][0])
        except Exception:  # down, starting, refusing: not accepting writes
            return False

    def run(self):
        names = [n["name"] for n in self.cluster.info["postgres"]]
        while not self.stop.is_set():
            writers = [n for n in names if self.writable(n)]
            self.samples += 1
            if len(writers) > 1:
                self.both.append((time.time(), writers))
            time.sleep(0.25)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=10)


# ---- the cluster, the data, the audit --------------------------------------------------------

@pytest.fixture(scope="module")
def world(tmp_path_factory):
    binary = Path(os.environ.get("ECOMMERCE_SERVER_BIN", REPO / "build/release/ecommerce-server"))
    assert binary.is_file(), f"server binary not found: {binary} (set ECOMMERCE_SERVER_BIN)"
    platform = FakePlatform()
    platform.start()
    workdir = tmp_path_factory.mktemp("ha")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    env.update(ADMIN_TOKEN=ADMIN_TOKEN, LOG_LEVEL="warn", ACCESS_LOG="off", HTTP_THREADS="2",
               DB_POOL_SIZE="4", ORDER_PAYMENT_TIMEOUT_SECONDS=str(PAYMENT_TIMEOUT),
               DATA_PLATFORM_URL=platform.url, OUTBOX_LEASE_SECONDS="5",
               HA_NODE_RESTART_DELAY="4", MIGRATIONS_DIR=str(REPO / "db/migrations"))
    cluster = HaCluster(2, env, workdir, binary)
    try:
        cluster.wait_started()
        a = cluster.client
        initial = {}
        for price in (700, 1200, 2500, 3100):
            initial[a.create_product(price=price, stock=100_000)] = 100_000
        initial[a.create_product(price=900, stock=60)] = 60  # sells out
        coupons = [a.create_coupon(totalQuantity=30)["id"],
                   a.create_coupon(discountType="RATE", discountValue=15, totalQuantity=30)["id"],
                   a.create_coupon(discountValue=500, totalQuantity=1000)["id"]]
        users = [a.create_user() for _ in range(20)]
        yield {"cluster": cluster, "platform": platform, "ledger": Ledger(), "initial": initial,
               "users": users, "coupons": coupons, "split": []}
        rc = cluster.terminate()
        assert rc == 0, f"scripts/cluster --ha exited with {rc}:\n{cluster.logs()}"
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        cluster.kill()
        platform.stop()
        # The nodes' data (in /var/tmp when pytest's tmp directory is closed to postgres).
        try:
            shutil.rmtree(Path(cluster.info["wal_archive"]).parent, ignore_errors=True)
        except (OSError, ValueError, KeyError):
            pass
        summary = {k: v for k, v in FINDINGS.items()}
        print(f"\nHA findings: {summary}")


def under_load(world, scenario):
    """Runs scenario() under the load, then stops the load and audits."""
    cluster, ledger = world["cluster"], world["ledger"]
    load = Load(cluster, ledger, world["users"], list(world["initial"]), world["coupons"])
    with SplitBrainWatch(cluster) as watch, load:
        time.sleep(2)
        result = scenario()
        time.sleep(2)
    world["split"].extend(watch.both)
    assert not watch.both, f"two nodes accepted writes at once: {watch.both[:5]}"
    audit(world)
    return result


def audit(world):
    cluster, ledger, platform = world["cluster"], world["ledger"], world["platform"]
    url = cluster.info["db_write"]
    faults.wait_for("every unpaid order to expire",
                    lambda: faults.sql(url, "SELECT count(*) FROM orders "
                                            "WHERE status = 'NOT_PAID'") == [("0",)],
                    timeout=PAYMENT_TIMEOUT + 30)
    faults.wait_for("the outbox to drain",
                    lambda: faults.sql(url, "SELECT count(*) FROM outbox_events "
                                            "WHERE delivered_at IS NULL") == [("0",)],
                    timeout=60)
    with ledger.lock:
        errors, ledger.server_errors = ledger.server_errors, []
        keyed_failed, ledger.keyed_failed = ledger.keyed_failed, []
    FINDINGS["answers_500"] = FINDINGS.get("answers_500", 0) + len(errors)
    if not BEFORE_ISSUE_24:
        assert not errors, f"5xx other than 503/504: {errors[:10]}"
    assert not keyed_failed, f"keyed requests that ended in error: {keyed_failed[:10]}"
    faults.audit_money(url, ledger)
    # unkeyed charges: 503 means not applied
    applied = defaultdict(set)
    for user, amount in faults.sql(url, "SELECT user_id, amount FROM point_history "
                                        "WHERE type = 'CHARGE'"):
        applied[int(user)].add(int(amount))
    # (each scenario answers for its own: those an earlier scenario reported are left out)
    reported = world.setdefault("lies_reported", set())
    lies = {u: (a & applied[u]) - reported for u, a in ledger.charges_refused.items()
            if (a & applied[u]) - reported}
    for amounts in lies.values():
        reported.update(amounts)
    FINDINGS["charges_503_but_applied"] = len(reported)
    # A commit whose answer was lost with the leader must answer 504 OUTCOME_UNKNOWN.
    if not BEFORE_ISSUE_24:
        assert not lies, f"charges answered 503 but applied: {lies}"
    faults.audit_stock(url, world["initial"])
    faults.audit_coupons(url)
    faults.audit_events(url, platform)
    with ledger.lock:
        FINDINGS["writes_ok"] = len(ledger.write_ok)
        FINDINGS["charges_ok"] = sum(len(v) for v in ledger.charges_ok.values())
        FINDINGS["charges_503"] = sum(len(v) for v in ledger.charges_refused.values())
        FINDINGS["charges_unknown_504_or_none"] = sum(len(v) for v in ledger.charges_unknown.values())
        FINDINGS["lost"] = 0  # audit_money: every 200 charge is in the history


def writes_back_after(ledger: Ledger, t0: float, timeout: float) -> float:
    """Seconds from t0 until writes succeed again: the answer to the first successful
    write sent after the last failed one (of those sent within `timeout` of t0); writes
    that never failed give the first success after t0."""
    def back():
        with ledger.lock:
            failed = [sent for sent in ledger.write_failed if sent > t0]
            since = max(failed) if failed else t0
            done = [answered for sent, answered in ledger.write_ok if sent > since]
        # settled: a success after the last failure, and nothing failed for 2 s since
        if done and time.monotonic() - since > 2.0:
            return min(done)
        return None
    return wait_for("writes to succeed again", back, timeout) - t0


# ---- the scenarios ---------------------------------------------------------------------------

def test_failover_when_the_leader_dies(world):
    cluster = world["cluster"]

    def scenario():
        old = cluster.leader()
        assert old, cluster.members()
        t0 = time.monotonic()
        cluster.kill_node(old)
        rto = writes_back_after(world["ledger"], t0, timeout=60)
        new = wait_for("a new leader", lambda: (l := cluster.leader()) and l != old and l, 60)
        FINDINGS["failover"] = {"old": old, "new": new, "rto_s": round(rto, 2)}
        world["old_leader"] = old
        return rto

    rto = under_load(world, scenario)
    print(f"\nfailover: writes back after {rto:.2f} s")
    assert rto <= RTO_TARGET, f"writes came back after {rto:.1f} s (target {RTO_TARGET} s)"


def test_old_leader_rejoins_as_a_replica(world):
    cluster = world["cluster"]
    old = world.get("old_leader") or pytest.skip("no failover ran")

    def scenario():
        # scripts/cluster starts its Patroni again once another node leads; it rewinds.
        t0 = time.monotonic()
        wait_for(f"{old} back as a replica",
                 lambda: any(m["name"] == old and m["role"] in ("replica", "sync_standby")
                             and m["state"] in ("running", "streaming")
                             for m in cluster.members()), timeout=90, interval=0.5)
        FINDINGS["rejoin_s"] = round(time.monotonic() - t0, 1)
        timelines = {m["name"]: m.get("timeline") for m in cluster.members()}
        assert len(set(timelines.values())) == 1, f"nodes on different timelines: {timelines}"
        rows = cluster.sql(old, "SELECT pg_is_in_recovery()")
        assert rows[0][0] is True

    under_load(world, scenario)


def test_switchover_under_load(world):
    cluster = world["cluster"]

    def scenario():
        old = cluster.leader()
        candidate = cluster.role_of("sync_standby") or cluster.role_of("replica")
        t0 = time.monotonic()
        cluster.patronictl("switchover", "--leader", old, "--candidate", candidate, "--force")
        wait_for("the candidate to lead", lambda: cluster.leader() == candidate, 60)
        back = writes_back_after(world["ledger"], t0, timeout=60)
        FINDINGS["switchover"] = {"old": old, "new": candidate, "writes_back_s": round(back, 2)}
        return back

    under_load(world, scenario)


def test_synchronous_standby_dies(world):
    cluster = world["cluster"]

    def scenario():
        sync = wait_for("a synchronous standby", lambda: cluster.role_of("sync_standby"), 60)
        others = [m["name"] for m in cluster.members()
                  if m["role"] == "replica" and m["name"] != sync]
        t0 = time.monotonic()
        cluster.kill_node(sync)
        # writes go on: a write sent after the kill succeeds within a few seconds
        back = writes_back_after(world["ledger"], t0, timeout=30)
        new_sync = wait_for("the other replica to become synchronous",
                            lambda: (s := cluster.role_of("sync_standby")) and s != sync and s,
                            timeout=30)
        assert new_sync in others
        FINDINGS["sync_standby_lost"] = {"killed": sync, "new_sync": new_sync,
                                         "first_write_after_s": round(back, 2),
                                         "new_sync_after_s": round(time.monotonic() - t0, 1)}
        # it comes back (scripts/cluster restarts it) before the next scenario
        wait_for(f"{sync} back", lambda: any(m["name"] == sync and m["state"] in
                                             ("running", "streaming")
                                             for m in cluster.members()), 90, 0.5)

    under_load(world, scenario)


def replica_used_by_service(cluster: HaCluster) -> str | None:
    """The replica the instances read from: the one with their connections."""
    best, most = None, 0
    for m in cluster.members():
        if m["role"] == "leader":
            continue
        rows = cluster.sql(m["name"], "SELECT count(*) FROM pg_stat_activity "
                                      "WHERE datname = 'ecommerce' AND pid <> pg_backend_pid()")
        if rows[0][0] > most:
            best, most = m["name"], rows[0][0]
    return best


def metric(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def test_lagging_replica_is_not_read(world):
    cluster = world["cluster"]
    client = cluster.client

    def scenario():
        for i in range(cluster.instances):
            wait_for("the replica in use", lambda: metric(cluster.metrics(i),
                                                         "db_replica_in_use") == 1.0, 30)
        client.call("GET", "/api/v1/products/best")  # opens the replica connections
        victim = wait_for("the replica the service reads", lambda: replica_used_by_service(cluster),
                          20)
        # Patroni resumes a paused replay on its next loop (PostgreSQL 14+) unless the cluster
        # is in maintenance mode, so the pause is taken in maintenance mode (no failover meanwhile).
        cluster.patronictl("pause", "--wait")
        cluster.sql(victim, "SELECT pg_wal_replay_pause()")
        try:
            t0 = time.monotonic()
            for i in range(cluster.instances):
                wait_for("the lagging replica left", lambda: metric(
                    cluster.metrics(i), "db_replica_in_use") == 0.0, 15)
            left_after = time.monotonic() - t0
            # the truth moves: a product only this scenario sells, paid now
            # (so many units that it ranks first whatever the load sold)
            product = client.create_product(price=10, stock=50_000)
            user = world["users"][0]
            assert client.charge(user, 900_000).status == 200
            for _ in range(10):  # 10,000 units: more than the load sells of any product
                order = client.call("POST", "/api/v1/orders", {
                    "userId": user, "items": [{"productId": product, "quantity": 1000}]})
                assert order.status == 201, order.raw
                paid = client.call("POST", "/api/v1/points/use",
                                   {"userId": user, "orderId": order.json["orderId"]})
                assert paid.status == 200, paid.raw
            world["ledger"].charges_tried[user].add(900_000)
            world["ledger"].charges_ok[user].add(900_000)
            world["initial"][product] = 50_000
            paid_at = time.monotonic()

            def ranked():
                r = client.call("GET", "/api/v1/products/best")
                return r.status == 200 and r.json and r.json[0]["productId"] == product

            wait_for("best sellers to show the payment", ranked, 10.5, 0.25)
            shown_after = time.monotonic() - paid_at
            lag = max(metric(cluster.metrics(i), "db_replica_lag_seconds") or 0
                      for i in range(cluster.instances))
            FINDINGS["lagging_replica"] = {"paused": victim, "left_after_s": round(left_after, 1),
                                           "best_sellers_after_s": round(shown_after, 1),
                                           "lag_seen_s": round(lag, 1)}
            assert shown_after <= 10.0
        finally:
            cluster.sql(victim, "SELECT pg_wal_replay_resume()")
            cluster.patronictl("resume", "--wait")
        for i in range(cluster.instances):
            wait_for("the replica used again", lambda: metric(cluster.metrics(i),
                                                             "db_replica_in_use") == 1.0, 30)

    under_load(world, scenario)


def test_backup_and_point_in_time_restore(world):
    cluster = world["cluster"]
    ledger = world["ledger"]
    base = Path(cluster.info["wal_archive"]).parent / "test-backups"
    if base.exists():
        shutil.rmtree(base)
    backup, restored = base / "b1", base / "restored"
    env = dict(os.environ, CLUSTER_DIR=str(cluster.dir))
    state = {}

    def scenario():
        p = subprocess.run([str(REPO / "scripts/backup"), "take", str(backup)], env=env,
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stdout + p.stderr
        time.sleep(2)
        # the point in time: the database's clock, with every write answered by now
        with ledger.lock:
            state["ok_before"] = {u: set(a) for u, a in ledger.charges_ok.items()}
        time.sleep(0.5)
        state["target"] = cluster.sql(cluster.leader(), "SELECT now()::text")[0][0]
        time.sleep(2)

    under_load(world, scenario)
    leader = cluster.leader()
    cluster.sql(leader, "SELECT pg_switch_wal()")  # the target's WAL into the archive
    time.sleep(2)
    port = free_port_range(1, low=20000, high=32000)
    p = subprocess.run([str(REPO / "scripts/backup"), "restore", str(backup), str(restored),
                        str(port), state["target"]], env=env, capture_output=True, text=True,
                       timeout=300)
    try:
        assert p.returncode == 0, p.stdout + p.stderr
        url = f"postgresql://postgres@127.0.0.1:{port}/ecommerce"
        history = defaultdict(set)
        for user, amount in faults.sql(url, "SELECT user_id, amount FROM point_history "
                                            "WHERE type = 'CHARGE'"):
            history[int(user)].add(int(amount))
        missing = {u: a - history[u] for u, a in state["ok_before"].items() if a - history[u]}
        assert not missing, f"charges acknowledged before {state['target']} missing: {missing}"
        with ledger.lock:
            later = sum(len(ledger.charges_ok[u] - state["ok_before"].get(u, set()))
                        for u in ledger.charges_ok)
        # the restored database is consistent in itself (money, coupons)
        bad = faults.sql(url, """
            SELECT w.user_id FROM point_wallets w
            LEFT JOIN (SELECT user_id, sum(CASE WHEN type = 'CHARGE' THEN amount
                                                 ELSE -amount END) AS s
                       FROM point_history GROUP BY user_id) h USING (user_id)
            WHERE w.balance <> coalesce(h.s, 0)""")
        assert not bad, f"restored wallets that disagree with their history: {bad}"
        faults.audit_coupons(url)
        FINDINGS["restore"] = {"target": state["target"],
                               "charges_checked": sum(len(a) for a in state["ok_before"].values()),
                               "charges_after_target_in_source": later}
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl",
                        "stop", "-m", "fast", "-D", str(restored)],
                       capture_output=True, cwd="/", timeout=60)
        shutil.rmtree(base, ignore_errors=True)
