// web/console/metrics.js: /metrics text to the live charts' figures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePrometheus, quantile, rates, summarize } from "../../web/console/metrics.js";

const before = `# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/api/v1/products",status="200"} 100
http_requests_total{method="POST",route="/api/v1/orders",status="201"} 10
http_requests_total{method="POST",route="/api/v1/orders",status="409"} 2
http_request_duration_seconds_bucket{method="GET",route="/api/v1/products",status="200",le="0.001"} 50
http_request_duration_seconds_bucket{method="GET",route="/api/v1/products",status="200",le="0.01"} 100
http_request_duration_seconds_bucket{method="GET",route="/api/v1/products",status="200",le="+Inf"} 100
outbox_backlog_events 3
outbox_delivery_lag_seconds_sum 1.0
outbox_delivery_lag_seconds_count 10
`;
const after = before
  .replace('status="200"} 100\n', 'status="200"} 300\n')
  .replace('le="0.001"} 50', 'le="0.001"} 60')
  .replace('le="0.01"} 100', 'le="0.01"} 300')
  .replace('le="+Inf"} 100', 'le="+Inf"} 300')
  .replace('status="409"} 2', 'status="409"} 6')
  .replace("outbox_backlog_events 3", "outbox_backlog_events 1")
  .replace("lag_seconds_sum 1.0", "lag_seconds_sum 1.5")
  .replace("lag_seconds_count 10", "lag_seconds_count 15");

test("parses samples with labels, skipping comments", () => {
  const samples = parsePrometheus(before);
  assert.equal(samples.length, 9);
  assert.deepEqual(samples[0], { name: "http_requests_total", labels: { method: "GET", route: "/api/v1/products", status: "200" }, value: 100 });
  assert.equal(parsePrometheus('x{a="q\\"uote"} 1')[0].labels.a, 'q"uote');
});

test("summarizes per route over methods and statuses", () => {
  const s = summarize(parsePrometheus(before));
  assert.equal(s.requests["/api/v1/orders"], 12);
  assert.equal(s.errors4xx, 2);
  assert.equal(s.errors5xx, 0);
  assert.equal(s.backlog, 3);
});

test("the p99 of a histogram is interpolated in its bucket", () => {
  assert.equal(quantile(0.5, { "0.1": 50, "0.2": 100, "+Inf": 100 }), 0.1);
  assert.ok(Math.abs(quantile(0.99, { "0.1": 50, "0.2": 100, "+Inf": 100 }) - 0.198) < 1e-9);
  assert.equal(quantile(0.99, { "0.1": 0, "+Inf": 0 }), null);
  assert.equal(quantile(0.99, { "0.1": 10, "+Inf": 20 }), 0.1); // beyond the last bound
});

test("rates between two scrapes", () => {
  const r = rates(summarize(parsePrometheus(before)), summarize(parsePrometheus(after)), 2);
  assert.deepEqual(r.routes.map((x) => x.route), ["/api/v1/products", "/api/v1/orders"]);
  assert.equal(r.routes[0].rps, 100);
  // 200 new requests: 10 under 1 ms, 190 between 1 and 10 ms; the 198th is in the second.
  assert.ok(Math.abs(r.routes[0].p99ms - (1 + (9 * (198 - 10)) / 190)) < 1e-9);
  assert.equal(r.rps4xx, 2);
  assert.equal(r.backlog, 1);
  assert.equal(r.lagMs, 100); // 0.5 s over 5 events
});

test("a restarted instance's counters count from zero", () => {
  const r = rates(summarize(parsePrometheus(after)), summarize(parsePrometheus(before)), 1);
  assert.equal(r.routes.find((x) => x.route === "/api/v1/products").rps, 100);
});
