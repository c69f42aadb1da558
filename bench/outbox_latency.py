#!/usr/bin/env python3
"""Commit-to-delivery latency of ORDER_PAID events at a steady payment rate.

Pays orders at --rate per second for --seconds through the service, then reports, for
those orders' events, as p50/p90/p99/max:
  - arrival - created_at: when the sink got the event, minus the event's created_at (the
    paying transaction's time, just before its commit);
  - delivered_at - created_at: the relay's acknowledgement (from outbox_events).
The sink (--sink):
  http  a fake data platform (answers 200 at once, records when each event arrives);
        arrival = the platform's receipt.
  nats  a real nats-server (JetStream on, file storage in a temporary directory) with a
        stream on the subject; arrival = the time the stream stored the message (JetStream's
        $JS.API.STREAM.MSG.GET answers each message with it).
Python stdlib + psql (+ tests/api/natsclient.py and nats-server for --sink nats) only.

Either start the server yourself with the DATA_PLATFORM_URL printed and pass --server, or
let the script start one (--server-bin; it sets DATA_PLATFORM_URL). --json writes the
figures (what scripts/bench reports as "Event delivery latency").

  python3 bench/outbox_latency.py --server-bin build/release/ecommerce-server \\
      --database-url 'postgresql://postgres@/bench?host=/var/tmp/pg' --rate 300 --seconds 10
  python3 bench/outbox_latency.py --sink nats --server-bin ... --database-url ...
"""

from __future__ import annotations

import argparse
import base64
import calendar
import http.client
import http.server
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NATS_STREAM = "ORDERS"
NATS_SUBJECT = "orders.paid"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_platform(port: int, out_path: str) -> None:
    """The fake platform, in its own process (so the load generator's threads do not delay
    it): answers 200 at once and writes "orderId arrival_epoch" lines to out_path when it
    is terminated."""
    arrivals: dict[int, float] = {}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            now = time.time()
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                arrivals.setdefault(body["orderId"], now)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        request_queue_size = 128
        daemon_threads = True

    def dump(*_):
        with lock, open(out_path, "w") as f:
            for order_id, at in arrivals.items():
                f.write(f"{order_id} {at}\n")
        os._exit(0)

    signal.signal(signal.SIGTERM, dump)
    Server(("127.0.0.1", port), Handler).serve_forever()


def start_platform(port: int, out_path: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, __file__, "--serve-platform", str(port), out_path])
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("fake platform did not start")


def stop_platform(proc: subprocess.Popen, out_path: str) -> dict[int, float]:
    proc.terminate()
    proc.wait(timeout=10)
    with open(out_path) as f:
        return {int(o): float(t) for o, t in (line.split() for line in f)}


class Api:
    """One keep-alive connection."""

    def __init__(self, base: str, token: str):
        u = urllib.parse.urlsplit(base)
        self.host, self.port, self.token = u.hostname, u.port or 80, token
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def call(self, method: str, path: str, body=None, admin=False):
        headers = {"Content-Type": "application/json"}
        if admin:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in range(2):
            try:
                self.conn.request(method, path, json.dumps(body) if body is not None else None,
                                  headers)
                r = self.conn.getresponse()
                return r.status, json.loads(r.read() or b"null")
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt:
                    raise


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def figures(values: list[float]) -> dict:
    """n and p50/p90/p99/max in milliseconds (None without values)."""
    v = sorted(values)
    if not v:
        return {"n": 0, "p50_ms": None, "p90_ms": None, "p99_ms": None, "max_ms": None}
    return {"n": len(v), "p50_ms": percentile(v, 50) * 1000, "p90_ms": percentile(v, 90) * 1000,
            "p99_ms": percentile(v, 99) * 1000, "max_ms": v[-1] * 1000}


def summary(name: str, values: list[float]) -> str:
    v = sorted(values)
    ms = lambda x: f"{x * 1000:.1f}"  # noqa: E731
    return (f"{name}: n={len(v)} p50={ms(percentile(v, 50))}ms p90={ms(percentile(v, 90))}ms "
            f"p99={ms(percentile(v, 99))}ms max={ms(v[-1]) if v else 'nan'}ms")


class HttpPlatform:
    """The fake data platform, in its own process."""

    def __init__(self, port: int):
        self.port = port
        self.arrivals_file = tempfile.NamedTemporaryFile(prefix="outbox-arrivals-",
                                                         delete=False).name
        self.proc = start_platform(port, self.arrivals_file)
        self.url = f"http://127.0.0.1:{port}/events"

    def arrivals(self) -> dict[int, float]:
        return stop_platform(self.proc, self.arrivals_file)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        os.unlink(self.arrivals_file)


class NatsPlatform:
    """A nats-server with JetStream and a stream on the subject the service publishes to."""

    def __init__(self):
        sys.path.insert(0, str(REPO / "tests" / "api"))
        import natsclient  # noqa: E402 (tests/api: the small NATS client the tests use)
        self.nats = natsclient
        self.workdir = Path(tempfile.mkdtemp(prefix="outbox-nats-"))
        self.server = natsclient.NatsServer(self.workdir)
        self.server.start()
        with natsclient.NatsClient(self.server.port) as nc:
            natsclient.create_stream(nc, NATS_STREAM, NATS_SUBJECT)
        self.url = f"nats://127.0.0.1:{self.server.port}/{NATS_SUBJECT}"

    def arrivals(self) -> dict[int, float]:
        """orderId -> when the stream stored its (first) message."""
        out: dict[int, float] = {}
        with self.nats.NatsClient(self.server.port, timeout=10) as nc:
            info = nc.jetstream(f"STREAM.INFO.{NATS_STREAM}")
            if "error" in info:
                raise RuntimeError(f"stream info: {info}")
            state = info["state"]
            for seq in range(state["first_seq"], state["last_seq"] + 1):
                answer = nc.jetstream(f"STREAM.MSG.GET.{NATS_STREAM}", {"seq": seq})
                if "error" in answer:
                    continue
                message = answer["message"]
                body = json.loads(base64.b64decode(message.get("data", "")))
                out.setdefault(body["orderId"], rfc3339_epoch(message["time"]))
        return out

    def close(self) -> None:
        self.server.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)


def rfc3339_epoch(text: str) -> float:
    """Seconds since the epoch of an RFC 3339 UTC time with up to nanoseconds
    ("2026-11-30T07:25:00.123456789Z"; datetime cannot hold the nanoseconds)."""
    if not text.endswith("Z"):
        raise ValueError(f"not a UTC time: {text}")
    whole, _, fraction = text[:-1].partition(".")
    seconds = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
    return seconds + (float("0." + fraction) if fraction else 0.0)


def run_parallel(fn, items, workers: int):
    q: queue.Queue = queue.Queue()
    for item in items:
        q.put(item)
    errors = []

    def work():
        local = {}
        while True:
            try:
                item = q.get_nowait()
            except queue.Empty:
                return
            try:
                fn(item, local)
            except Exception as e:  # noqa: BLE001
                errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-platform":
        serve_platform(int(sys.argv[2]), sys.argv[3])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", help="base URL of a running server (already pointed at the "
                    "platform port)")
    ap.add_argument("--server-bin", help="start this server binary instead")
    ap.add_argument("--database-url", required=True, help="the server's database (for psql)")
    ap.add_argument("--admin-token", default="bench-admin-token")
    ap.add_argument("--platform-port", type=int, default=0)
    ap.add_argument("--rate", type=float, default=300, help="payments per second")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--workers", type=int, default=32)
    ap.add_argument("--sink", choices=("http", "nats"), default="http",
                    help="http: a fake data platform; nats: nats-server with JetStream")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--server-log", help="with --server-bin: the server's output goes here")
    ap.add_argument("--no-platform", action="store_true",
                    help="with --server-bin: start the server without DATA_PLATFORM_URL "
                    "(to compare the server's CPU use without deliveries)")
    args = ap.parse_args()
    if not (args.server or args.server_bin):
        ap.error("give --server or --server-bin")

    if args.sink == "nats":
        sink = NatsPlatform()
    else:
        sink = HttpPlatform(args.platform_port or free_port())
    proc = None
    server_log = open(args.server_log, "ab") if args.server_log else None
    if args.server_bin:
        port = free_port()
        env = dict(os.environ, PORT=str(port), DATABASE_URL=args.database_url,
                   ADMIN_TOKEN=args.admin_token, ACCESS_LOG="off", LOG_LEVEL="warn",
                   DATA_PLATFORM_URL=sink.url,
                   MIGRATIONS_DIR=os.environ.get("MIGRATIONS_DIR", str(REPO / "db/migrations")))
        if args.no_platform:
            del env["DATA_PLATFORM_URL"]
        proc = subprocess.Popen([args.server_bin], env=env, stdout=server_log,
                                stderr=subprocess.STDOUT if server_log else None)
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while True:
            try:
                if Api(base, "").call("GET", "/ready")[0] == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                print("server not ready", file=sys.stderr)
                proc.kill()
                sink.close()
                return 1
            time.sleep(0.1)
    else:
        base = args.server
        print(f"the server must have DATA_PLATFORM_URL={sink.url}", file=sys.stderr)

    try:
        total = int(args.rate * args.seconds)
        api = Api(base, args.admin_token)
        users = []
        for i in range(args.users):
            st, u = api.call("POST", "/api/v1/users", {"name": f"outbox-bench-{time.time_ns()}-{i}"})
            assert st == 201, (st, u)
            users.append(u["id"])
            api.call("POST", "/api/v1/points/charge", {"userId": u["id"], "amount": 1_000_000})
        st, prod = api.call("POST", "/api/v1/admin/products",
                            {"name": f"outbox-bench-{time.time_ns()}", "price": 100,
                             "stock": total + 10}, admin=True)
        assert st == 201, (st, prod)
        orders: list[tuple[int, int]] = []
        lock = threading.Lock()

        def place(i, local):
            c = local.setdefault("api", Api(base, args.admin_token))
            user = users[i % len(users)]
            st, o = c.call("POST", "/api/v1/orders",
                           {"userId": user, "items": [{"productId": prod["id"], "quantity": 1}]})
            assert st == 201, (st, o)
            with lock:
                orders.append((user, o["orderId"]))

        print(f"placing {total} orders...", file=sys.stderr)
        run_parallel(place, range(total), 8)
        orders.sort(key=lambda uo: uo[1])

        print(f"paying {total} orders at {args.rate}/s...", file=sys.stderr)
        cpu_before = cpu_seconds(proc)
        start = time.time() + 0.5
        failures = []
        pay_times: list[float] = []

        def pay(i, local):
            c = local.setdefault("api", Api(base, args.admin_token))
            due = start + i / args.rate
            delay = due - time.time()
            if delay > 0:
                time.sleep(delay)
            user, order_id = orders[i]
            sent = time.time()
            st, body = c.call("POST", "/api/v1/points/use", {"userId": user, "orderId": order_id})
            pay_times.append(time.time() - sent)
            if st != 200:
                failures.append((st, body))

        run_parallel(pay, range(total), args.workers)
        achieved = total / (time.time() - start)
        time.sleep(1)  # the last deliveries
        cpu_used = cpu_seconds(proc) - cpu_before if proc else None
        if failures:
            print(f"{len(failures)} payments failed, e.g. {failures[0]}", file=sys.stderr)

        ids = [o for _, o in orders]
        if args.no_platform:
            print(f"rate: achieved {achieved:.0f}/s; server CPU {cpu_used:.2f} s")
            print(summary("payment response time", pay_times))
            return 0
        deadline = time.time() + 30
        while time.time() < deadline:
            rows = psql(args.database_url,
                        "SELECT count(*) FILTER (WHERE delivered_at IS NULL) FROM outbox_events "
                        f"WHERE aggregate_id BETWEEN {ids[0]} AND {ids[-1]} "
                        "AND event_type = 'ORDER_PAID'")
            if rows and rows[0][0] == "0":
                break
            time.sleep(0.2)
        rows = psql(args.database_url,
                    "SELECT aggregate_id, extract(epoch FROM created_at), "
                    "extract(epoch FROM delivered_at - created_at) FROM outbox_events "
                    f"WHERE aggregate_id BETWEEN {ids[0]} AND {ids[-1]} "
                    "AND event_type = 'ORDER_PAID' AND delivered_at IS NOT NULL")
        arrivals = sink.arrivals()
        wanted = set(ids)
        acked, received = [], []
        for order_id, created, lag in rows:
            if int(order_id) not in wanted:
                continue
            acked.append(float(lag))
            arrival = arrivals.get(int(order_id))
            if arrival is not None:
                received.append(arrival - float(created))
        print(f"rate: target {args.rate:.0f}/s, achieved {achieved:.0f}/s over {total} payments "
              f"({len(failures)} failed); delivered {len(acked)}")
        if cpu_used is not None:
            print(f"server CPU: {cpu_used:.2f} s for {total} payments and their deliveries "
                  f"({cpu_used / total * 1e6:.0f} us each)")
        arrival_name = "platform receipt" if args.sink == "http" else "stream store time"
        print(summary("payment response time (for comparison)", pay_times))
        print(summary(f"commit -> {arrival_name}", received))
        print(summary("commit -> acknowledged (delivered_at)", acked))
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump({
                    "sink": args.sink, "arrival": arrival_name, "rate_target": args.rate,
                    "rate_achieved": achieved, "payments": total, "failed": len(failures),
                    "delivered": len(acked), "received": figures(received),
                    "acknowledged": figures(acked), "payment_response": figures(pay_times),
                }, f, indent=2)
                f.write("\n")
        return 0 if not failures and len(received) == total and len(acked) == total else 1
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=15)
        sink.close()


def cpu_seconds(proc: subprocess.Popen | None) -> float:
    """User + system CPU time of a child process so far (Linux /proc)."""
    if proc is None:
        return 0.0
    with open(f"/proc/{proc.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def psql(url: str, query: str) -> list[list[str]]:
    p = subprocess.run(["psql", url, "-X", "-q", "-A", "-t", "-F", "\t", "-c", query],
                       capture_output=True, text=True, timeout=60, check=True)
    return [line.split("\t") for line in p.stdout.splitlines() if line]


if __name__ == "__main__":
    sys.exit(main())
