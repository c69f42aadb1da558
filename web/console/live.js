// The service's health, live: /metrics read every 2 s, turned into rates (metrics.js) and
// drawn with uPlot (charts.js), the last 2 minutes.
import { text } from "./api.js";
import { makeChart } from "./charts.js";
import { parsePrometheus, rates, summarize } from "./metrics.js";
import { $ } from "./dom.js";

const KEEP = 60; // points: 2 minutes at 2 s
const MAX_ROUTES = 6;
// The console's own polling is not the shop's traffic.
const shown = (route) => !route.startsWith("/console") && route !== "/metrics";

export function startLive(isVisible) {
  const times = [];
  const perRoute = new Map(); // route -> { rps: [], p99: [] }
  const errors = { e4: [], e5: [] };
  const outbox = { backlog: [], lag: [] };
  let previous = null;
  let previousAt = 0;
  let routeCharts = null; // { routes, rps, p99 }
  // The last two minutes, however few points there are yet.
  const lastTwoMinutes = { x: { time: true, range: (u, min, max) => [max - KEEP * 2, max] } };
  const errorChart = makeChart($("chart-errors"), [{ label: "4xx/s" }, { label: "5xx/s" }], { scales: lastTwoMinutes });
  const outboxChart = makeChart($("chart-outbox"), [{ label: "backlog" }, { label: "lag ms", scale: "ms" }],
    { scales: { ...lastTwoMinutes, ms: {} } });

  function push(array, value) {
    array.push(value);
    if (array.length > KEEP) array.shift();
  }

  function topRoutes() {
    const recent = [...perRoute.entries()].map(([route, h]) => [route, h.rps.slice(-10).reduce((a, b) => a + (b ?? 0), 0)]);
    return recent.filter(([, sum]) => sum > 0).sort((a, b) => b[1] - a[1]).slice(0, MAX_ROUTES).map(([r]) => r).sort();
  }

  function drawRoutes() {
    const routes = topRoutes();
    if (!routeCharts || routeCharts.routes.join() !== routes.join()) {
      routeCharts?.rps.destroy();
      routeCharts?.p99.destroy();
      $("chart-rps").replaceChildren();
      $("chart-p99").replaceChildren();
      routeCharts = {
        routes,
        rps: makeChart($("chart-rps"), routes.map((r) => ({ label: r })), { scales: lastTwoMinutes }),
        p99: makeChart($("chart-p99"), routes.map((r) => ({ label: r })), { scales: lastTwoMinutes }),
      };
    }
    routeCharts.rps.setData([times.slice(), ...routes.map((r) => perRoute.get(r).rps.slice())]);
    routeCharts.p99.setData([times.slice(), ...routes.map((r) => perRoute.get(r).p99.slice())]);
  }

  async function sample() {
    if (!isVisible()) return;
    const now = Date.now();
    const current = summarize(parsePrometheus(await text("/metrics")));
    if (previous) {
      const seconds = Math.max(0.001, (now - previousAt) / 1000);
      const r = rates(previous, current, seconds);
      push(times, now / 1000);
      const seen = new Set();
      for (const { route, rps, p99ms } of r.routes) {
        if (!shown(route)) continue;
        seen.add(route);
        if (!perRoute.has(route)) perRoute.set(route, { rps: times.slice(0, -1).map(() => null), p99: times.slice(0, -1).map(() => null) });
        push(perRoute.get(route).rps, rps);
        push(perRoute.get(route).p99, p99ms);
      }
      for (const [route, h] of perRoute) {
        if (!seen.has(route)) {
          push(h.rps, 0);
          push(h.p99, null);
        }
      }
      push(errors.e4, r.rps4xx);
      push(errors.e5, r.rps5xx);
      push(outbox.backlog, r.backlog);
      push(outbox.lag, r.lagMs);
      drawRoutes();
      errorChart.setData([times.slice(), errors.e4.slice(), errors.e5.slice()]);
      outboxChart.setData([times.slice(), outbox.backlog.slice(), outbox.lag.slice()]);
      const busiest = r.routes.filter((x) => shown(x.route))[0];
      $("sum-rps").textContent = busiest ? `Busiest now: ${busiest.route}, ${busiest.rps.toFixed(1)} requests/s.` : "No requests in the last 2 s.";
      $("sum-p99").textContent = busiest && busiest.p99ms !== null ? `p99 of ${busiest.route}: ${busiest.p99ms.toFixed(1)} ms.` : "";
      $("sum-errors").textContent = `Now: ${r.rps4xx.toFixed(1)} 4xx/s, ${r.rps5xx.toFixed(1)} 5xx/s.`;
      $("sum-outbox").textContent = `Backlog ${r.backlog} events` + (r.lagMs === null ? "." : `, mean delivery lag ${r.lagMs.toFixed(1)} ms.`);
    }
    previous = current;
    previousAt = now;
  }
  return sample;
}
