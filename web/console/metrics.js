// Reading the service's /metrics (Prometheus text format) into the figures the live charts
// show. Plain functions, no DOM: tested with node's test runner (tests/browser/).

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheus(text) {
  const samples = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(LABEL)) {
      labels[key] = value.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

// The counters the charts need, summed over methods and statuses (and event loops).
export function summarize(samples) {
  const out = { requests: {}, buckets: {}, errors4xx: 0, errors5xx: 0, backlog: 0, lagSum: 0, lagCount: 0 };
  for (const { name, labels, value } of samples) {
    if (name === "http_requests_total") {
      out.requests[labels.route] = (out.requests[labels.route] ?? 0) + value;
      if (labels.status?.startsWith("4")) out.errors4xx += value;
      if (labels.status?.startsWith("5")) out.errors5xx += value;
    } else if (name === "http_request_duration_seconds_bucket") {
      const route = (out.buckets[labels.route] ??= {});
      route[labels.le] = (route[labels.le] ?? 0) + value;
    } else if (name === "outbox_backlog_events") {
      out.backlog = value;
    } else if (name === "outbox_delivery_lag_seconds_sum") {
      out.lagSum = value;
    } else if (name === "outbox_delivery_lag_seconds_count") {
      out.lagCount = value;
    }
  }
  return out;
}

// The q-quantile (seconds) of a cumulative histogram {le: count}, interpolated linearly in
// the bucket it falls in, as PromQL's histogram_quantile does; null without observations.
export function quantile(q, cumulative) {
  const bounds = Object.entries(cumulative)
    .map(([le, count]) => ({ le: le === "+Inf" ? Infinity : Number(le), count }))
    .sort((a, b) => a.le - b.le);
  if (bounds.length === 0) return null;
  const total = bounds[bounds.length - 1].count;
  if (!(total > 0)) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const { le, count } of bounds) {
    if (count >= rank) {
      if (le === Infinity) return lower; // past the last finite bound: that bound
      const inBucket = count - below;
      return inBucket > 0 ? lower + ((le - lower) * (rank - below)) / inBucket : le;
    }
    if (le !== Infinity) lower = le;
    below = count;
  }
  return lower;
}

function delta(current, previous) {
  // A counter that went down means the instance restarted: count from zero.
  return current >= previous ? current - previous : current;
}

// What happened between two summaries `seconds` apart: requests/s and p99 (ms) per route
// that had requests, 4xx/s and 5xx/s, the outbox backlog now, and the mean delivery lag
// (ms) of the events delivered meanwhile (null when none was).
export function rates(previous, current, seconds) {
  const routes = [];
  for (const [route, count] of Object.entries(current.requests)) {
    const served = delta(count, previous.requests[route] ?? 0);
    if (served <= 0) continue;
    const window = {};
    const now = current.buckets[route] ?? {};
    const before = previous.buckets[route] ?? {};
    for (const [le, n] of Object.entries(now)) window[le] = delta(n, before[le] ?? 0);
    const p99 = quantile(0.99, window);
    routes.push({ route, rps: served / seconds, p99ms: p99 === null ? null : p99 * 1000 });
  }
  routes.sort((a, b) => b.rps - a.rps || a.route.localeCompare(b.route));
  const delivered = delta(current.lagCount, previous.lagCount);
  return {
    routes,
    rps4xx: delta(current.errors4xx, previous.errors4xx) / seconds,
    rps5xx: delta(current.errors5xx, previous.errors5xx) / seconds,
    backlog: current.backlog,
    lagMs: delivered > 0 ? (delta(current.lagSum, previous.lagSum) / delivered) * 1000 : null,
  };
}
