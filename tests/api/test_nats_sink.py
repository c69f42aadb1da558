"""The nats:// sink: ORDER_PAID events published to NATS JetStream with Nats-Msg-Id, against
real nats-server processes started here (JetStream on, file storage, a stream with a
duplicate window). Counts are of stream messages, not of acknowledgements: the stream's
de-duplication is what makes "exactly once in the stream" hold across re-sends.

The test database is shared with other suites, so the relays here may also publish other
tests' events: assertions look only at this test's orders."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest

from natsclient import (NatsClient, NatsServer, create_stream, env_for, start_cluster,
                        stream_messages, workdir_for)
from test_events import outbox_rows, pay_many, wait_rows

SUBJECT = "orders.paid"


@pytest.fixture
def nats_relay(start_server):
    """nats_relay(nodes, **env) -> a server publishing to those nats-servers; stopped (and
    checked for a clean exit) after the test."""
    started = []

    def start(nodes, **env):
        sp = start_server({**env_for(nodes, SUBJECT), **env})
        started.append(sp)
        return sp

    yield start
    for sp in started:
        if sp.proc.poll() is None:
            assert sp.terminate() == 0


def stream_by_order(port: int, stream: str, order_ids) -> dict[int, list[tuple[dict, dict]]]:
    with NatsClient(port) as nc:
        messages = stream_messages(nc, stream)
    wanted = set(order_ids)
    out: dict[int, list] = {o: [] for o in order_ids}
    for headers, body in messages:
        if body.get("orderId") in wanted:
            out[body["orderId"]].append((headers, body))
    return out


def wait_in_stream(port: int, stream: str, order_ids, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        by_order = stream_by_order(port, stream, order_ids)
        missing = [o for o, msgs in by_order.items() if not msgs]
        if not missing:
            return by_order
        assert time.monotonic() < deadline, f"not in the stream after {timeout}s: {missing}"
        time.sleep(0.2)


def assert_exactly_once(by_order, sql) -> None:
    duplicates = {o: len(m) for o, m in by_order.items() if len(m) != 1}
    assert not duplicates, f"orders not exactly once in the stream: {duplicates}"
    rows = outbox_rows(sql, list(by_order))
    for order_id, [(headers, body)] in by_order.items():
        event_id = rows[order_id][0]
        assert body["eventId"] == event_id
        assert headers.get("Nats-Msg-Id") == event_id
        assert body["type"] == "ORDER_PAID"


def paying_in_background(client, rounds: int, per_round: int):
    """Pays `rounds` x `per_round` orders from a thread; returns (thread, order ids list)."""
    paid: list[int] = []

    def work():
        for _ in range(rounds):
            paid.extend(pay_many(client, per_round, workers=4))

    thread = threading.Thread(target=work)
    thread.start()
    return thread, paid


def test_every_paid_order_lands_once_with_its_event_id(nats_relay, client, sql, tmp_path):
    server = NatsServer(workdir_for(tmp_path))
    server.start()
    try:
        with NatsClient(server.port) as nc:
            create_stream(nc, "ORDERS", SUBJECT)
        nats_relay([server])
        orders = pay_many(client, 40)
        by_order = wait_in_stream(server.port, "ORDERS", orders, timeout=15)
        assert_exactly_once(by_order, sql)
        wait_rows(sql, orders, lambda r: r[2] == "t", 10, "marked delivered")
    finally:
        server.kill()


def test_nats_server_killed_and_restarted_mid_load_loses_nothing(nats_relay, client, sql,
                                                                 tmp_path):
    server = NatsServer(workdir_for(tmp_path))
    server.start()
    try:
        with NatsClient(server.port) as nc:
            create_stream(nc, "ORDERS", SUBJECT)
        # A short lease: publishes cut off by the kill are sent again soon.
        nats_relay([server], OUTBOX_LEASE_SECONDS="4")
        thread, paid = paying_in_background(client, rounds=6, per_round=20)
        time.sleep(0.8)
        server.kill()
        time.sleep(2)
        server.start()  # same port, same store
        thread.join()
        by_order = wait_in_stream(server.port, "ORDERS", paid, timeout=30)
        assert_exactly_once(by_order, sql)
        wait_rows(sql, paid, lambda r: r[2] == "t", 20, "marked delivered")
    finally:
        server.kill()


def test_cluster_of_three_with_a_node_killed_mid_load_loses_nothing(nats_relay, client, sql,
                                                                     tmp_path):
    nodes = start_cluster(workdir_for(tmp_path), 3)
    try:
        with NatsClient(nodes[0].port) as nc:
            create_stream(nc, "ORDERS3", SUBJECT, replicas=3)
        nats_relay(nodes, OUTBOX_LEASE_SECONDS="4")
        thread, paid = paying_in_background(client, rounds=6, per_round=20)
        time.sleep(0.8)
        nodes[0].kill()  # the one the service lists (and so connects to) first
        thread.join()
        by_order = wait_in_stream(nodes[1].port, "ORDERS3", paid, timeout=40)
        assert_exactly_once(by_order, sql)
        wait_rows(sql, paid, lambda r: r[2] == "t", 20, "marked delivered")
    finally:
        for node in nodes:
            node.kill()


def test_without_a_stream_events_wait_then_arrive_once(nats_relay, client, sql, tmp_path):
    server = NatsServer(workdir_for(tmp_path))
    server.start()
    try:
        nats_relay([server])
        orders = pay_many(client, 10)
        # No stream binds the subject: "no responders", a failed attempt, kept for later.
        wait_rows(sql, orders, lambda r: int(r[1]) >= 1 and r[2] == "f" and r[3] != "", 10,
                  "a failed attempt recorded")
        with NatsClient(server.port) as nc:
            create_stream(nc, "LATE", SUBJECT)
        by_order = wait_in_stream(server.port, "LATE", orders, timeout=30)
        assert_exactly_once(by_order, sql)
        wait_rows(sql, orders, lambda r: r[2] == "t", 20, "marked delivered")
    finally:
        server.kill()


def test_malformed_nats_urls_stop_the_start(server_binary, database_url):
    for url in ("nats://127.0.0.1:4222", "nats://127.0.0.1:4222/orders.*",
                "nats://:4222/x", "nats://h:99999/x", "nats://u:p@h:4222/x"):
        p = subprocess.run([str(server_binary)], env={"DATA_PLATFORM_URL": url,
                                                      "DATABASE_URL": database_url,
                                                      "PORT": "0"},
                           capture_output=True, text=True, timeout=20)
        assert p.returncode == 2, (url, p.returncode, p.stderr)
        assert "DATA_PLATFORM_URL" in p.stderr, (url, p.stderr)

