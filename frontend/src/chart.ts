// Usage charts as small multiples: one bar chart per feature, each with its own y-axis (so a feature
// counted in thousands does not flatten one counted in units), all on the same continuous time axis
// of every window in the range (windows without usage are drawn as zero). Hand-drawn SVG: see
// frontend/README.md for why not uPlot. The values are also given as a table.
import { aggregationLabel } from "./aggregation.js";
import { formatTick, labelEvery, niceScale, tickValues, type FilledUsage, type FeatureSeries } from "./chart-scale.js";
import { dataTable, h, svg, userText, withoutBidiControls } from "./dom.js";

export const PALETTE = ["#1d4ed8", "#b45309", "#047857", "#be185d", "#6d28d9", "#0e7490"];

const WIDTH = 640;
const HEIGHT = 170;
const MARGIN = { top: 10, right: 8, bottom: 26, left: 52 };

function featureChart(series: FeatureSeries, labels: string[], color: string, describe: string): SVGSVGElement {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const { max, step } = niceScale(Math.max(0, ...series.heights));
  const y = (v: number): number => MARGIN.top + plotH - (Math.max(0, v) / max) * plotH;
  const n = Math.max(1, labels.length);
  const band = plotW / n;
  const root = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: "chart",
    role: "img",
    "aria-label": describe,
    preserveAspectRatio: "xMidYMid meet",
  });
  const axis = svg("g", { class: "chart-axis", "aria-hidden": "true" });
  for (const v of tickValues(max, step)) {
    axis.append(
      svg("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(v), y2: y(v), class: v === 0 ? "chart-baseline" : "chart-grid" }),
      svg("text", { x: MARGIN.left - 6, y: y(v) + 4, "text-anchor": "end", class: "chart-tick" }, formatTick(v)),
    );
  }
  const every = labelEvery(labels.length, plotW);
  labels.forEach((label, i) => {
    if (i % every !== 0) return;
    const x = MARGIN.left + band * (i + 0.5);
    axis.append(svg("text", { x, y: HEIGHT - 8, "text-anchor": "middle", class: "chart-tick" }, label));
  });
  root.append(axis);
  const bars = svg("g", { class: "chart-data" });
  series.heights.forEach((v, i) => {
    if (!(v > 0)) return; // a zero window is the baseline itself
    const top = y(v);
    bars.append(
      svg(
        "rect",
        {
          x: MARGIN.left + band * i + band * 0.12,
          y: top,
          width: Math.max(1, band * 0.76),
          height: Math.max(1, MARGIN.top + plotH - top),
          fill: color,
        },
        svg("title", {}, `${labels[i] ?? ""}: ${series.values[i] ?? ""}`),
      ),
    );
  });
  root.append(bars);
  return root;
}

/**
 * The charts and the table of a filled usage range. `labels` name the windows ("09-03"); `zone`
 * says which timezone the windows are in; `asBilled`: the usage was read as the plan bills it.
 */
export function usageCharts(usage: FilledUsage, labels: string[], zone: string, idPrefix: string, asBilled = true): HTMLElement {
  if (usage.series.length === 0) {
    return h("p", { class: "note note-empty" }, "No usage in this period yet.");
  }
  const figures = usage.series.map((series, i) => {
    const peak = series.heights.reduce((best, v, j) => (v > (series.heights[best] ?? 0) ? j : best), 0);
    const how = aggregationLabel(series.aggregation, series.property ? withoutBidiControls(series.property) : undefined);
    const figure = `${series.total} in the period`;
    const name = withoutBidiControls(series.feature);
    const describe =
      (series.aggregation === "sum" ? `${name}: ${series.total} in total` : `${name}, ${how}: ${figure}`) +
      ` over ${labels.length} days` +
      (series.heights[peak] ? `, most on ${labels[peak] ?? ""} (${series.values[peak] ?? ""})` : "") +
      ".";
    return h(
      "figure",
      { class: "chart-figure", "data-feature": series.feature },
      h("figcaption", {}, h("strong", {}, userText(series.feature)), " · ", h("span", { class: "chart-aggregation" }, how), ` · ${figure} · own scale`),
      featureChart(series, labels, PALETTE[i % PALETTE.length] ?? "#1d4ed8", describe),
    );
  });
  const table = dataTable(
    { id: `${idPrefix}-usage-table`, class: "compact" },
    `Usage per day${asBilled ? " as billed" : ""} (${zone})`,
    [
      { label: "Day", kind: "key" },
      ...usage.series.map((s) => {
        const how = aggregationLabel(s.aggregation, s.property ? withoutBidiControls(s.property) : undefined);
        return { label: `${withoutBidiControls(s.feature)} (${how})`, heading: [userText(s.feature), ` (${how})`], kind: "num" as const };
      }),
    ],
    usage.windows.map((_, i) => [labels[i] ?? "", ...usage.series.map((s) => s.values[i] ?? "0")]),
  );
  return h(
    "div",
    { class: "usage-charts" },
    h(
      "p",
      { class: "hint" },
      `Days in ${zone}; each feature has its own vertical scale. Days without usage show as zero.` +
        (asBilled
          ? " Each feature is aggregated as its plan bills it: a day's max, latest or unique values are that day's own, and the figure beside its name is the whole period's."
          : ""),
    ),
    h("div", { class: "multiples" }, figures),
    h("details", { class: "chart-table" }, h("summary", {}, "Usage per day as a table"), table),
  );
}
