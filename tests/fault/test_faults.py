"""Faults under load: two instances of the real server on one database of their own, a mixed
write load, and during it one instance SIGKILLed and restarted, PostgreSQL stopped with
`-m immediate` and started again, and the data platform refusing for a while. Afterwards an
audit of what the database and the platform hold:

- money: every wallet balance = its charges - its payments, and the history agrees (each
  row's balanceAfter follows from the one before); every charge answered 200 is in the
  history once, nothing else is; each PAID order has one USE row of its payAmount;
- stock: initial - units in PAID orders, once every unpaid order has expired;
- coupons: remaining = total - issued; USED exactly for the coupons of PAID orders;
- events: the platform acknowledged exactly the PAID orders, one eventId each;
- no 500 answer (503 while the database is down is allowed), /ready back within 2 s of
  the database.

The database is a private PostgreSQL cluster ("fault", via scripts/lib/pg.sh), because the
test crashes it. Env: ECOMMERCE_SERVER_BIN (default build/release/ecommerce-server);
FAULT_ROUNDS (default 1: one round of each fault, about a minute in all; the README's long
run uses more); FAULT_WORKERS (load threads, default 8).
"""

from __future__ import annotations

import http.client
import importlib.util
import itertools
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
API_TESTS = REPO / "tests/api"
sys.path.insert(0, str(API_TESTS))


def _load_api_conftest():
    """The API suite's server helpers (ServerProcess, free_port, ...), loaded under another
    module name: this directory is not under tests/api, so pytest does not load it here."""
    spec = importlib.util.spec_from_file_location("api_conftest", API_TESTS / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


api = _load_api_conftest()
from apiclient import ADMIN_TOKEN, Client  # noqa: E402
from test_events import FakePlatform  # noqa: E402

ROUNDS = int(os.environ.get("FAULT_ROUNDS", "1"))
WORKERS = int(os.environ.get("FAULT_WORKERS", "8"))
PAYMENT_TIMEOUT = 4  # seconds: orders left alone expire during the run
CLUSTER = "fault"
DATABASE = "ecommerce_fault"


# ---- the private PostgreSQL cluster ---------------------------------------------------------

def pg(*commands: str) -> str:
    """Runs scripts/lib/pg.sh functions (as the project's scripts do) and returns stdout."""
    script = "source scripts/lib/common.sh; source scripts/lib/pg.sh; " + "; ".join(commands)
    p = subprocess.run(["bash", "-c", script], cwd=REPO, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, f"{commands} failed: {p.stdout}\n{p.stderr}"
    return p.stdout


@pytest.fixture(scope="module")
def database_url():
    pg(f"pg_start {CLUSTER}", f"pg_drop_db {CLUSTER} {DATABASE}",
       f"pg_create_db {CLUSTER} {DATABASE}")
    yield pg(f"pg_url {CLUSTER} {DATABASE}").strip()
    pg(f"pg_stop {CLUSTER}")


def sql(url: str, query: str) -> list[tuple[str, ...]]:
    p = subprocess.run(["psql", url, "-X", "-q", "-A", "-t", "-F", "\x1f", "-v", "ON_ERROR_STOP=1",
                        "-c", query], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"psql failed: {p.stderr}"
    return [tuple(line.split("\x1f")) for line in p.stdout.splitlines() if line != ""]


# ---- the two instances ------------------------------------------------------------------------

class Instances:
    """Two servers on one database; an instance keeps its port across restarts so the load's
    clients keep working."""

    def __init__(self, binary: Path, database_url: str, platform_url: str, tmp: Path):
        self.binary, self.tmp = binary, tmp
        self.envs = []
        for _ in range(2):
            env = {k: v for k, v in os.environ.items() if k not in api.SERVICE_VARS}
            env.update(PORT=str(api.free_port()), DATABASE_URL=database_url,
                       ADMIN_TOKEN=ADMIN_TOKEN, LOG_LEVEL="warn", ACCESS_LOG="false",
                       MIGRATIONS_DIR=str(REPO / "db/migrations"), HTTP_THREADS="2",
                       ORDER_PAYMENT_TIMEOUT_SECONDS=str(PAYMENT_TIMEOUT),
                       DATA_PLATFORM_URL=platform_url, OUTBOX_LEASE_SECONDS="5")
            self.envs.append(env)
        self.procs: list[api.ServerProcess | None] = [None, None]
        self.starts = itertools.count()
        self.clients = [Client("127.0.0.1", int(env["PORT"]), timeout=15) for env in self.envs]

    def start(self, i: int, path: str = "/ready", timeout: float = 30) -> None:
        log = self.tmp / f"server-{i}-{next(self.starts)}.log"
        sp = api.ServerProcess(self.binary, self.envs[i], log)
        self.procs[i] = sp
        sp.wait_healthy(timeout, path)

    def sigkill(self, i: int) -> None:
        self.procs[i].proc.send_signal(signal.SIGKILL)
        self.procs[i].proc.wait(timeout=10)
        self.procs[i].log.close()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{api.log_tail(p, 30)}"
                         for p in sorted(self.tmp.glob("server-*.log")))

    def stop_all(self) -> None:
        """SIGTERM each instance: each must stop by itself, with exit code 0."""
        for i, sp in enumerate(self.procs):
            rc = sp.terminate(timeout=15)
            assert rc == 0, f"instance {i} exited with {rc}; log:\n{api.log_tail(sp.log_path)}"

    def kill_left(self) -> None:
        """Whatever still runs after a failure (for a finally: block)."""
        for sp in self.procs:
            if sp is not None and sp.proc.poll() is None:
                sp.kill()


# ---- the load -----------------------------------------------------------------------------

class Load:
    """Worker threads doing what shoppers do, against either instance at random. Records
    what the audit needs: charges attempted and answered 200, and every answer's status."""

    def __init__(self, instances: Instances, users, products, coupons):
        self.instances, self.users, self.products, self.coupons = instances, users, products, coupons
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.amounts = itertools.count(20_000)  # every charge amount is unique: traceable
        self.charges_tried: dict[int, set[int]] = defaultdict(set)
        self.charges_ok: dict[int, set[int]] = defaultdict(set)
        self.user_coupons: dict[int, list[int]] = defaultdict(list)
        self.statuses: Counter = Counter()
        self.server_errors: list[str] = []
        self.threads = [threading.Thread(target=self.work, args=(n,), daemon=True)
                        for n in range(WORKERS)]

    def call(self, what: str, fn):
        """fn(client) -> Response; None when the connection failed (an instance is down)."""
        client = random.choice(self.instances.clients)
        try:
            r = fn(client)
        except (OSError, http.client.HTTPException) as e:
            with self.lock:
                self.statuses[f"{what} {type(e).__name__}"] += 1
            time.sleep(0.05)  # that instance is down: do not spin on it
            return None
        with self.lock:
            self.statuses[f"{what} {r.status}"] += 1
            if r.status >= 500 and r.status != 503:
                self.server_errors.append(f"{what}: {r.status} {r.raw[:300]!r}")
        if r.status == 503:
            time.sleep(0.05)  # the database is down: a client backs off
        return r

    def work(self, n: int) -> None:
        rng = random.Random(n)
        while not self.stop.is_set():
            user = rng.choice(self.users)
            roll = rng.random()
            if roll < 0.25:
                amount = next(self.amounts)
                with self.lock:
                    self.charges_tried[user].add(amount)
                r = self.call("charge", lambda c: c.charge(user, amount))
                if r is not None and r.status == 200:
                    with self.lock:
                        self.charges_ok[user].add(amount)
            elif roll < 0.40:
                coupon = rng.choice(self.coupons)
                r = self.call("issue", lambda c: c.issue(user, coupon))
                if r is not None and r.status == 201:
                    with self.lock:
                        self.user_coupons[user].append(r.json["userCouponId"])
            else:
                lines = [(p, rng.randint(1, 3)) for p in rng.sample(self.products,
                                                                     rng.randint(1, 3))]
                with self.lock:
                    held = list(self.user_coupons[user])
                coupon = rng.choice(held) if held and rng.random() < 0.5 else None
                r = self.call("order", lambda c: c.order(user, lines, coupon))
                if r is None or r.status != 201:
                    continue
                order = r.json["orderId"]
                then = rng.random()
                if then < 0.55:
                    self.call("pay", lambda c: c.pay(user, order))
                elif then < 0.70:
                    self.call("cancel", lambda c: c.cancel(order, user))
                # else: left to expire

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


# ---- faults -------------------------------------------------------------------------------

def wait_ready(instances: Instances, timeout: float) -> list[float]:
    """Seconds until /ready answered 200 on each instance (inf if not within timeout)."""
    started = time.monotonic()
    took = [float("inf")] * len(instances.clients)
    quick = [Client(c.host, c.port, timeout=1) for c in instances.clients]
    while time.monotonic() - started < timeout and float("inf") in took:
        for i, c in enumerate(quick):
            if took[i] != float("inf"):
                continue
            try:
                if c.call("GET", "/ready").status == 200:
                    took[i] = time.monotonic() - started
            except (OSError, http.client.HTTPException):
                pass
        time.sleep(0.02)
    return took


def fault_round(instances: Instances, platform: FakePlatform, findings: dict) -> None:
    time.sleep(4)
    # 1. one instance dies without warning and comes back on the same port
    victim = random.randrange(2)
    instances.sigkill(victim)
    time.sleep(1)
    instances.start(victim)
    time.sleep(4)
    # 2. PostgreSQL crashes; both instances answer 503 meanwhile, then must be ready again
    down = time.time()
    pg(f"pg_crash {CLUSTER}")
    time.sleep(4)
    pg(f"pg_start {CLUSTER}")
    findings["db_down"].append((down, time.time()))
    findings["ready_after_db"].append(wait_ready(instances, timeout=30))
    time.sleep(3)
    # 3. the data platform fails: 503 answers, then connections refused
    platform.status = 503
    time.sleep(3)
    platform.stop()
    time.sleep(4)
    platform.status = 200
    platform.start()
    time.sleep(3)


# ---- the audit -----------------------------------------------------------------------------

def wait_for(what: str, predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def late_expiries(url: str, outages) -> list[tuple[int, float]]:
    """(order, seconds late) of orders that expired more than 5 s after expiresAt although
    the database was up then (the contract: stock and coupon back within 5 s)."""
    rows = sql(url, "SELECT id, extract(epoch FROM expires_at), "
                    "extract(epoch FROM closed_at - expires_at) FROM orders "
                    "WHERE status = 'EXPIRED' AND closed_at > expires_at + interval '5 seconds'")
    return [(int(o), round(float(lag), 1)) for o, at, lag in rows
            if not any(start - 1 <= float(at) <= end + 1 for start, end in outages)]


def audit_money(url: str, load: Load) -> None:
    history = defaultdict(list)
    for user, seq, kind, amount, after, order in sql(
            url, "SELECT user_id, seq, type, amount, balance_after, coalesce(order_id, 0) "
                 "FROM point_history ORDER BY user_id, seq"):
        history[int(user)].append((int(seq), kind, int(amount), int(after), int(order)))
    wallets = {int(u): int(b) for u, b in sql(url, "SELECT user_id, balance FROM point_wallets")}
    for user in set(wallets) | set(history):
        balance, charges, uses = 0, [], 0
        for seq, kind, amount, after, _ in history[user]:
            balance += amount if kind == "CHARGE" else -amount
            assert after == balance, f"user {user}: history row {seq} says {after}, sum {balance}"
            if kind == "CHARGE":
                charges.append(amount)
            else:
                uses += amount
        assert wallets.get(user, 0) == balance == sum(charges) - uses, (
            f"user {user}: wallet {wallets.get(user)}, charges {sum(charges)}, uses {uses}")
        assert len(charges) == len(set(charges)), f"user {user}: a charge applied twice"
        assert set(charges) <= load.charges_tried[user], f"user {user}: unknown charge"
        missing = load.charges_ok[user] - set(charges)
        assert not missing, f"user {user}: charges answered 200 but not in history: {missing}"
    # each PAID order paid once, for its payAmount; nothing else paid
    bad = sql(url, """
        SELECT o.id, o.status, o.pay_amount, count(h.seq), coalesce(sum(h.amount), 0)
        FROM orders o LEFT JOIN point_history h ON h.order_id = o.id AND h.type = 'USE'
        GROUP BY o.id
        HAVING (o.status = 'PAID' AND o.pay_amount > 0
                AND (count(h.seq) <> 1 OR sum(h.amount) <> o.pay_amount))
            OR (o.status <> 'PAID' AND count(h.seq) > 0)""")
    assert not bad, f"orders paid wrongly (id, status, payAmount, uses, used): {bad[:10]}"


def audit_stock(url: str, initial: dict[int, int]) -> None:
    rows = sql(url, """
        SELECT p.id, p.stock, coalesce(sum(i.quantity) FILTER (WHERE o.status = 'PAID'), 0)
        FROM products p LEFT JOIN order_items i ON i.product_id = p.id
        LEFT JOIN orders o ON o.id = i.order_id GROUP BY p.id""")
    for pid, stock, paid in rows:
        assert int(stock) == initial[int(pid)] - int(paid), (
            f"product {pid}: stock {stock}, initial {initial[int(pid)]}, paid units {paid}")


def audit_coupons(url: str) -> None:
    bad = sql(url, """
        SELECT c.id, c.total_quantity, c.remaining_quantity, count(u.id) FROM coupons c
        LEFT JOIN user_coupons u ON u.coupon_id = c.id GROUP BY c.id
        HAVING c.remaining_quantity <> c.total_quantity - count(u.id)
            OR c.remaining_quantity < 0""")
    assert not bad, f"coupons (id, total, remaining, issued) off: {bad}"
    bad = sql(url, """
        SELECT u.id, u.status, count(o.id) FILTER (WHERE o.status = 'PAID'),
               bool_and(o.user_id = u.user_id)
        FROM user_coupons u LEFT JOIN orders o ON o.user_coupon_id = u.id GROUP BY u.id
        HAVING (u.status = 'USED') <> (count(o.id) FILTER (WHERE o.status = 'PAID') = 1)
            OR count(o.id) FILTER (WHERE o.status = 'PAID') > 1
            OR NOT coalesce(bool_and(o.user_id = u.user_id), true)""")
    assert not bad, f"user coupons (id, status, PAID orders, owner ok) off: {bad[:10]}"


def audit_events(url: str, platform: FakePlatform) -> None:
    paid = {int(o): int(a) for o, a in sql(url, "SELECT id, pay_amount FROM orders "
                                                "WHERE status = 'PAID'")}
    outbox = {int(o): e for o, e in sql(url, "SELECT aggregate_id, event_id FROM outbox_events "
                                             "WHERE event_type = 'ORDER_PAID'")}
    with platform.lock:
        acked = [b for _, b, st in platform.requests if 200 <= st < 300]
    event_ids = defaultdict(set)
    for body in acked:
        event_ids[body["orderId"]].add(body["eventId"])
        assert body["paidAmount"] == paid.get(body["orderId"]), f"event for unpaid order: {body}"
    assert set(event_ids) == set(paid), (
        f"paid orders without an event: {sorted(set(paid) - set(event_ids))[:10]}; "
        f"events for other orders: {sorted(set(event_ids) - set(paid))[:10]}")
    several = {o: ids for o, ids in event_ids.items() if len(ids) != 1}
    assert not several, f"orders with several eventIds: {list(several.items())[:5]}"
    assert all(outbox.get(o) in ids for o, ids in event_ids.items()), "eventId not the outbox's"


# ---- the test ------------------------------------------------------------------------------

def audit_all(url: str, load: Load, initial: dict[int, int], platform: FakePlatform) -> None:
    """Money, stock, coupons and events all add up after the load."""
    audit_money(url, load)
    audit_stock(url, initial)
    audit_coupons(url)
    audit_events(url, platform)


def test_faults_under_mixed_write_load(database_url, tmp_path):
    binary = Path(os.environ.get("ECOMMERCE_SERVER_BIN", REPO / "build/release/ecommerce-server"))
    assert binary.is_file(), f"server binary not found: {binary} (set ECOMMERCE_SERVER_BIN)"
    platform = FakePlatform()
    platform.start()
    instances = Instances(binary, database_url, platform.url, tmp_path)
    findings = {"ready_after_db": [], "db_down": []}
    try:
        instances.start(0)
        instances.start(1)
        a = instances.clients[0]
        initial = {}
        for price in (700, 1200, 2500, 3100, 4900):
            initial[a.create_product(price=price, stock=100_000)] = 100_000
        initial[a.create_product(price=900, stock=60)] = 60  # sells out: OUT_OF_STOCK path
        coupons = [a.create_coupon(totalQuantity=40)["id"],
                   a.create_coupon(discountType="RATE", discountValue=15, totalQuantity=40)["id"],
                   a.create_coupon(discountValue=500, totalQuantity=1000)["id"]]
        users = [a.create_user() for _ in range(30)]

        started = time.monotonic()
        with Load(instances, users, list(initial), coupons) as load:
            for _ in range(ROUNDS):
                fault_round(instances, platform, findings)
            time.sleep(3)
        took = time.monotonic() - started

        # Every unpaid order expires (the sweeper, within 5 s of expiresAt) ...
        wait_for("every unpaid order to expire",
                 lambda: sql(database_url, "SELECT count(*) FROM orders "
                                           "WHERE status = 'NOT_PAID'") == [("0",)],
                 timeout=PAYMENT_TIMEOUT + 30)
        # ... and every event is delivered.
        wait_for("the outbox to drain",
                 lambda: sql(database_url, "SELECT count(*) FROM outbox_events "
                                           "WHERE delivered_at IS NULL") == [("0",)],
                 timeout=60)
        counts = {k: int(v) for k, v in sql(database_url, "SELECT status, count(*) FROM orders "
                                                          "GROUP BY status")}
        late = late_expiries(database_url, findings["db_down"])
        print(f"\nfault run: {ROUNDS} round(s), {took:.0f} s of load, {WORKERS} workers; "
              f"orders {counts}; /ready after the database came back (s): "
              f"{findings['ready_after_db']}; expired over 5 s late (expiresAt not in an outage):"
              f" {len(late)} {late[:5]}")
        print("answers:", dict(sorted(load.statuses.items())))

        assert not load.server_errors, f"5xx other than 503: {load.server_errors[:10]}"
        assert counts.get("PAID", 0) > 0 and counts.get("EXPIRED", 0) > 0, counts
        audit_all(database_url, load, initial, platform)
        slow = [t for ready in findings["ready_after_db"] for t in ready if t > 2.0]
        assert not slow, f"/ready took over 2 s after the database was back: {findings}"
        instances.stop_all()
    except BaseException:
        print(instances.logs())
        raise
    finally:
        instances.kill_left()
        platform.stop()
