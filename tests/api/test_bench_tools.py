"""The benchmark suite's own arithmetic (bench/report.py, bench/pgbench/render.py,
bench/outbox_latency.py): write batch sizes from two /metrics scrapes, statements embedded
in pgbench templates, JetStream's nanosecond times. No server needed."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def load(path: str):
    spec = importlib.util.spec_from_file_location(Path(path).stem, REPO / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


report = load("bench/report.py")
outbox_latency = load("bench/outbox_latency.py")

BOUNDS = ["1", "2", "4", "8", "16", "32", "64", "128", "+Inf"]


def scrape(kinds: dict[str, list[int]]) -> str:
    """A /metrics text with db_write_batch_size for kind -> batch sizes observed."""
    lines = ["# TYPE db_write_batch_size histogram"]
    for kind, sizes in kinds.items():
        for le in BOUNDS:
            bound = float("inf") if le == "+Inf" else int(le)
            count = sum(1 for s in sizes if s <= bound)
            lines.append(f'db_write_batch_size_bucket{{kind="{kind}",le="{le}"}} {count}')
        lines.append(f'db_write_batch_size_sum{{kind="{kind}"}} {sum(sizes)}')
        lines.append(f'db_write_batch_size_count{{kind="{kind}"}} {len(sizes)}')
    lines.append('http_requests_total{route="/health"} 5')
    return "\n".join(lines) + "\n"


def test_batch_sizes_are_the_runs_deltas(tmp_path):
    before = {"charge": [1] * 50, "order": [3, 3], "payment": []}
    during_order = [2] * 98 + [20, 40]  # 100 batches: 99% are <= 32, not all <= 16
    after = {"charge": before["charge"], "order": before["order"] + during_order,
             "payment": [5] * 10}
    (tmp_path / "s.metrics.before").write_text(scrape(before))
    (tmp_path / "s.metrics.after").write_text(scrape(after))
    got = {b["kind"]: b for b in report.write_batches(str(tmp_path), "s")}
    assert set(got) == {"order", "payment"}  # no charge batches during the run
    assert got["order"]["batches"] == 100
    assert got["order"]["requests"] == sum(during_order)
    assert got["order"]["mean"] == pytest.approx(sum(during_order) / 100)
    assert got["order"]["p99"] == 32
    assert got["payment"] == {"kind": "payment", "batches": 10, "requests": 50, "mean": 5.0,
                              "p99": 8}


def test_batch_size_for_pgbench_is_the_rounded_mean_at_least_one(tmp_path):
    (tmp_path / "s.metrics.before").write_text(scrape({"order": []}))
    (tmp_path / "s.metrics.after").write_text(scrape({"order": [4, 5, 5, 5]}))
    run = [sys.executable, str(REPO / "bench/report.py"), "batch-size", str(tmp_path), "s"]
    assert subprocess.run(run + ["order"], capture_output=True, text=True,
                          check=True).stdout == "5\n"
    # No batches of that kind (or no scrapes): nothing, so scripts/bench skips the row.
    assert subprocess.run(run + ["charge"], capture_output=True, text=True,
                          check=True).stdout == ""
    assert subprocess.run(run[:-1] + ["other", "order"], capture_output=True, text=True,
                          check=True).stdout == ""


def test_render_embeds_a_statement_inside_a_line(tmp_path):
    source = tmp_path / "store.cpp"
    source.write_text('const db::Statement kX{"x.batch",\n'
                      '    "SELECT a, b FROM f($1::bigint[], "\n    "$2::bigint)"};\n')
    template = tmp_path / "t.sql.in"
    template.write_text("-- {@x.batch ...} in a comment is left alone\n"
                        "SELECT count(*) AS n FROM ({@x.batch $1=:ids $2=7}) r \\gset\n"
                        "@x.batch $1=:ids $2=8\n")
    out = tmp_path / "t.sql"
    subprocess.run([sys.executable, str(REPO / "bench/pgbench/render.py"), str(template),
                    str(out), str(source)], check=True)
    assert out.read_text().splitlines() == [
        "-- {@x.batch ...} in a comment is left alone",
        "SELECT count(*) AS n FROM (SELECT a, b FROM f(:ids::bigint[], 7::bigint)) r \\gset",
        "SELECT a, b FROM f(:ids::bigint[], 8::bigint);",
    ]
    template.write_text("SELECT * FROM ({@x.batch $1=:ids}) r;\n")  # $2 missing
    failed = subprocess.run([sys.executable, str(REPO / "bench/pgbench/render.py"),
                             str(template), str(out), str(source)], capture_output=True,
                            text=True)
    assert failed.returncode != 0 and "needs $2" in failed.stderr


def test_jetstream_times_keep_their_nanoseconds():
    assert outbox_latency.rfc3339_epoch("2026-11-30T07:25:00.123456789Z") == \
        pytest.approx(1796023500.123456789, abs=1e-6)
    assert outbox_latency.rfc3339_epoch("1970-01-01T00:00:01Z") == 1.0
    with pytest.raises(ValueError):
        outbox_latency.rfc3339_epoch("2026-11-30T07:25:00+09:00")


def test_issue_12_write_targets_are_ratios_to_one_statement_per_operation():
    def row(throughput):
        return {"throughput": throughput}

    rows = {"order_pay_spread": row(5000), "pgbench_order_pay_one_statement": row(5600),
            "charge": row(30000), "pgbench_charge": row(15000)}
    found = {t["what"]: t for t in report.targets(rows, {})}
    order_pay = found["order + pay, spread: service ÷ pgbench one statement per order + pay "
                      "(issue 12)"]
    charge = found["point charge: service ÷ pgbench one statement per charge (issue 12)"]
    assert (order_pay["value"], order_pay["target"], order_pay["pass"]) == ("0.89", "≥ 1.0",
                                                                           False)
    assert (charge["value"], charge["target"], charge["pass"]) == ("2.00", "≥ 2.0", True)
    rows["order_pay_spread"] = row(5600)
    rows["charge"] = row(29999)
    found = {t["what"]: t["pass"] for t in report.targets(rows, {})}
    assert found["order + pay, spread: service ÷ pgbench one statement per order + pay "
                 "(issue 12)"] is True
    assert found["point charge: service ÷ pgbench one statement per charge (issue 12)"] is False
