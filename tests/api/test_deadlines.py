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
