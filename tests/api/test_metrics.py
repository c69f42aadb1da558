"""GET /metrics: Prometheus text format with requests, latency, pool and outbox figures."""

import re
import threading
import time

import pytest

from apiclient import ADMIN_TOKEN, assert_problem

SAMPLE = re.compile(
    r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)'
    r'(?:\{(?P<labels>(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})?'
    r' (?P<value>[-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|Inf|NaN))$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"')


def parse(text: str) -> tuple[dict, list]:
    """Parses the exposition format strictly: returns ({name: type}, [(name, labels, value)])."""
    types, samples = {}, []
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("# HELP "):
            assert len(line.split(" ", 3)) == 4, line
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
            assert name not in types, f"TYPE repeated for {name}"
            types[name] = kind
            continue
        assert not line.startswith("#"), line
        m = SAMPLE.match(line)
        assert m, f"not a Prometheus sample line: {line!r}"
        labels = dict(LABEL.findall(m.group("labels") or ""))
        samples.append((m.group("name"), labels, float(m.group("value"))))
    return types, samples


def family(name: str, types: dict) -> str | None:
    for suffix in ("_bucket", "_sum", "_count", ""):
        if name.endswith(suffix) and name[: len(name) - len(suffix)] in types:
            return name[: len(name) - len(suffix)]
    return None


@pytest.fixture
def scrape(client):
    def run():
        r = client.call("GET", "/metrics")
        assert r.status == 200
        assert r.header("Content-Type").startswith("text/plain")
        return parse(r.raw.decode("utf-8"))
    return run


def test_every_sample_belongs_to_a_typed_family(scrape):
    types, samples = scrape()
    assert samples
    for name, _, _ in samples:
        assert family(name, types), f"{name} has no # TYPE"


def test_requests_are_counted_by_route_and_status(client, scrape):
    p = client.create_product()
    for _ in range(3):
        assert client.call("GET", f"/api/v1/products/{p}").status == 200
    assert client.call("GET", "/api/v1/products/999999999999").status == 404
    assert client.call("GET", "/no/such/route").status == 404
    types, samples = scrape()
    assert types["http_requests_total"] == "counter"
    counts = {(l["method"], l["route"], l["status"]): v for n, l, v in samples
              if n == "http_requests_total"}
    assert counts[("GET", "/api/v1/products/{id}", "200")] >= 3
    assert counts[("GET", "/api/v1/products/{id}", "404")] >= 1
    assert counts[("GET", "unmatched", "404")] >= 1
    # Paths never become labels (ids would explode the series count).
    assert not any(str(p) in route for _, route, _ in counts)


def test_latency_histograms_are_cumulative_and_consistent(client, scrape):
    assert client.call("GET", "/health").status == 200
    types, samples = scrape()
    assert types["http_request_duration_seconds"] == "histogram"
    series: dict = {}
    for name, labels, value in samples:
        if not name.startswith("http_request_duration_seconds"):
            continue
        key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        entry = series.setdefault(key, {"buckets": [], "sum": None, "count": None})
        if name.endswith("_bucket"):
            le = labels["le"]
            entry["buckets"].append((float("inf") if le == "+Inf" else float(le), value))
        elif name.endswith("_sum"):
            entry["sum"] = value
        else:
            entry["count"] = value
    health = [v for k, v in series.items() if dict(k).get("route") == "/health"]
    assert health and health[0]["count"] >= 1
    for key, entry in series.items():
        bounds = [b for b, _ in entry["buckets"]]
        assert bounds == sorted(bounds) and bounds[-1] == float("inf"), key
        counts = [c for _, c in entry["buckets"]]
        assert counts == sorted(counts), f"buckets not cumulative for {key}"
        assert counts[-1] == entry["count"], key
        assert entry["sum"] >= 0


def test_pool_and_process_figures(scrape):
    types, samples = scrape()
    names = {n for n, _, _ in samples}
    for gauge in ("db_pool_connections_open", "db_pool_connections_in_use",
                  "db_pool_connections_idle", "db_pool_waiting", "process_resident_memory_bytes"):
        assert types.get(gauge) == "gauge" and gauge in names, gauge
    loops = {l["loop"] for n, l, _ in samples if n == "db_pool_connections_open"}
    assert loops and all(x.isdigit() for x in loops)
    # The write lane's pool (db::WriteLane): one series each, no labels.
    for gauge in ("db_write_lane_connections_open", "db_write_lane_connections_in_use",
                  "db_write_lane_waiting"):
        assert types.get(gauge) == "gauge", gauge
        assert [l for n, l, _ in samples if n == gauge] == [{}], gauge
    rss = [v for n, _, v in samples if n == "process_resident_memory_bytes"][0]
    assert 1e6 < rss < 1e9


def test_outbox_backlog_is_reported(scrape):
    types, samples = scrape()
    names = {n for n, _, _ in samples}
    backlog = [n for n in names if n.startswith("outbox_") and "backlog" in n]
    oldest = [n for n in names if n.startswith("outbox_") and "oldest" in n]
    assert backlog and oldest, sorted(names)


def test_charges_go_through_the_write_lane(client, user, scrape):
    # A batched write runs on the write lane's own connections, not on a request loop's.
    assert client.charge(user, 100).status == 200
    # Pool figures are refreshed in the background every second (a scrape costs nothing).
    deadline = time.monotonic() + 5
    while True:
        _, samples = scrape()
        opened = [v for n, _, v in samples if n == "db_write_lane_connections_open"]
        if (opened and opened[0] >= 1) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert opened and opened[0] >= 1


def committed_transactions(sql) -> int:
    """Transactions committed in the test database, as PostgreSQL's statistics say. An idle
    backend reports its counts within 10 s (PGSTAT_IDLE_INTERVAL), so callers wait that out."""
    return int(sql("SELECT xact_commit FROM pg_stat_database "
                   "WHERE datname = current_database()")[0][0])


def scrape_flood(port: int, seconds: float, connections: int = 4) -> int:
    """Scrapes /metrics as fast as `connections` keep-alive clients can; returns how many."""
    from apiclient import Client
    done = [0] * connections
    stop_at = time.monotonic() + seconds

    def worker(i: int) -> None:
        with Client("127.0.0.1", port).connection() as conn:
            while time.monotonic() < stop_at:
                assert conn.call("GET", "/metrics").status == 200
                done[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done)


def test_a_scrape_flood_costs_the_database_nothing(start_server, sql):
    """Issue 26: 4,846 scrapes in 3 s made 3,134 transactions (13 idle). The database gauges
    now come from a background task; the same window idle and under a flood of scrapes
    commits about as many transactions."""
    sp = start_server({"ACCESS_LOG": "off"})
    window, settle = 3.0, 11.0
    time.sleep(settle)
    before = committed_transactions(sql)
    time.sleep(window + settle)
    idle = committed_transactions(sql) - before
    before = committed_transactions(sql)
    scrapes = scrape_flood(sp.port, window)
    time.sleep(settle)
    flooded = committed_transactions(sql) - before
    print(f"transactions committed: {idle} idle, {flooded} with {scrapes} scrapes in {window} s")
    assert scrapes >= 1000, scrapes  # a real flood
    # Background work (and other servers on the test database) commit in both windows;
    # one transaction per 50 scrapes would already fail this.
    assert flooded <= idle + max(20, idle // 2), (scrapes, idle, flooded)
    assert sp.terminate() == 0


@pytest.fixture(scope="module")
def private_metrics(start_server):
    sp = start_server({"METRICS_TOKEN": "metrics-secret-1"})
    yield sp
    assert sp.terminate() == 0


def test_metrics_token_makes_metrics_private(private_metrics):
    c = private_metrics.client
    r = c.call("GET", "/metrics")
    assert_problem(r, 401, "UNAUTHORIZED")
    assert r.header("WWW-Authenticate") == "Bearer"
    for wrong in ("metrics-secret-2", ADMIN_TOKEN):
        r = c.call("GET", "/metrics", headers={"Authorization": f"Bearer {wrong}"})
        assert_problem(r, 401, "UNAUTHORIZED")
        assert r.header("WWW-Authenticate") == 'Bearer error="invalid_token"'
    r = c.call("GET", "/metrics", headers={"Authorization": "Bearer metrics-secret-1"})
    assert r.status == 200 and b"http_requests_total" in r.raw
    # Nothing else needs it.
    assert c.call("GET", "/health").status == 200
