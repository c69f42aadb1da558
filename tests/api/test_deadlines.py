"""Request deadlines reach PostgreSQL: a request blocked on a row lock gives up in time and
leaves no backend waiting behind it."""

from __future__ import annotations

import subprocess
import time

from apiclient import Client, assert_problem


class LockHolder:
    """A psql session holding a transaction open (and its row locks) until release()."""

    def __init__(self, database_url: str, lock_sql: str):
        self.proc = subprocess.Popen(
            ["psql", database_url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.proc.stdin.write(f"BEGIN;\n{lock_sql};\n\\echo locked\n")
        self.proc.stdin.flush()
        line = ""
        while "locked" not in line:
            line = self.proc.stdout.readline()
            assert line, "psql ended before taking the lock"

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("ROLLBACK;\n\\q\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=10)


def test_request_blocked_on_a_row_lock_answers_503_within_its_deadline(start_server, sql,
                                                                       database_url):
    sp = start_server({"REQUEST_DEADLINE_MS": "1000"})
    c = Client("127.0.0.1", sp.port, timeout=8)
    user = c.create_user()
    holder = LockHolder(database_url,
                        f"SELECT 1 FROM point_wallets WHERE user_id = {user} FOR UPDATE")
    try:
        started = time.monotonic()
        r = c.call("POST", "/api/v1/points/charge", {"userId": user, "amount": 100})
        elapsed = time.monotonic() - started
        assert_problem(r, 503, "UNAVAILABLE")
        assert elapsed < 2.5, elapsed
        # The backend gave up too: nothing of the service's still waits for the lock.
        waiting = sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                      "'ecommerce' AND wait_event_type = 'Lock' AND datname = current_database()")
        assert waiting == [("0",)]
    finally:
        holder.release()
    # Nothing was charged, and the service works again once the lock is gone.
    assert c.balance(user) == 0
    assert c.charge(user, 100).status == 200
    assert c.balance(user) == 100
    assert sp.terminate(timeout=10) == 0


def test_an_unknown_outcome_is_answered_within_the_outcome_budget(start_server, database_url):
    """A charge's answer is lost (the database's answers held, then the connections cut) and
    the database stays silent: the outcome check gives up within REQUEST_DEADLINE_MS, every
    wait of each attempt (a connection, its connect, the answer) bounded by what is left, so
    504 comes about one deadline after the loss. Before, one attempt could wait out the
    connect timeout (5 s) or the network deadline (15 s) first."""
    import threading

    from apiclient import TcpProxy, proxied_database_url

    family, addr, rewrite = proxied_database_url(database_url)
    proxy = TcpProxy(family, addr)
    proxy.start()
    try:
        sp = start_server({"DATABASE_URL": rewrite(proxy.port), "REQUEST_DEADLINE_MS": "1000"},
                          health_timeout=15)
        c = Client("127.0.0.1", sp.port, timeout=30)
        deadline = time.monotonic() + 15
        while c.call("GET", "/ready").status != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        user = c.create_user()
        assert c.charge(user, 1).status == 200
        proxy.hold_answers()
        cutter = threading.Timer(0.5, proxy.cut)
        cutter.start()
        started = time.monotonic()
        r = c.call("POST", "/api/v1/points/charge", {"userId": user, "amount": 1})
        took = time.monotonic() - started
        cutter.join()
        assert_problem(r, 504, "OUTCOME_UNKNOWN")
        # Lost at 0.5 s, then at most the 1 s budget (and scheduling slack).
        assert took < 3.0, took
        proxy.release_answers()
    finally:
        proxy.stop()
