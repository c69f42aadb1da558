// uPlot charts that follow their container's width (desktop or a 390 px phone).
import uPlot from "./uPlot.esm.js";

const PALETTE = ["#1d4ed8", "#b45309", "#047857", "#be123c", "#6d28d9", "#0e7490", "#4d7c0f", "#9f1239"];

export function colour(i) {
  return PALETTE[i % PALETTE.length];
}

function widthOf(container) {
  return Math.max(260, Math.floor(container.clientWidth || 300));
}

// A chart in `container` of `series` ([{label, scale?, bars?}]) over x (time by default).
export function makeChart(container, series, { time = true, height = 200, xValues, scales } = {}) {
  const bars = uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 60] }) : undefined;
  const opts = {
    width: widthOf(container),
    height,
    scales: { x: { time }, ...(scales ?? {}) },
    axes: [
      xValues ? { values: xValues, stroke: "#1a1a1a" } : { stroke: "#1a1a1a" },
      { stroke: "#1a1a1a", size: 60 },
      ...series.filter((s) => s.scale && s.scale !== "y").map((s) => ({ scale: s.scale, side: 1, stroke: "#1a1a1a", size: 60, grid: { show: false } })),
    ],
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        scale: s.scale ?? "y",
        stroke: colour(i),
        fill: s.bars ? colour(i) + "99" : undefined,
        width: 2,
        paths: s.bars ? bars : undefined,
        points: { show: false },
        spanGaps: true,
      })),
    ],
    legend: { show: true },
    cursor: { show: true },
  };
  const empty = [[], ...series.map(() => [])];
  const chart = new uPlot(opts, empty, container);
  new ResizeObserver(() => chart.setSize({ width: widthOf(container), height })).observe(container);
  return chart;
}
