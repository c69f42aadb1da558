"""GET /metrics: Prometheus text format with requests, latency, pool and outbox figures."""

import re

import pytest

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
    _, samples = scrape()
    opened = [v for n, _, v in samples if n == "db_write_lane_connections_open"]
    assert opened and opened[0] >= 1
