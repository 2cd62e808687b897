// A small SVG chart (grouped bars or lines) with axes, axis labels and a legend. No dependencies.
// Values are JS numbers (chart geometry only); the exact strings can be given for tooltips.
import { svg } from "./dom.js";

export interface ChartSeries {
  name: string;
  /** One value per category; null = no data point. */
  values: (number | null)[];
  /** Optional exact text per category for tooltips (e.g. the decimal string from the API). */
  display?: (string | null)[];
}

export interface ChartData {
  categories: string[];
  series: ChartSeries[];
}

export interface ChartOptions {
  kind?: "bar" | "line" | "auto";
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
  /** Accessible summary; the svg gets role="img" and this as aria-label. */
  ariaLabel?: string;
  id?: string;
}

export const PALETTE = ["#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];

export function colorFor(index: number): string {
  return PALETTE[index % PALETTE.length] ?? "#2563eb";
}

/** A "nice" axis maximum and step (1, 2, 2.5 or 5 times a power of ten) for about `ticks` intervals. */
export function niceScale(max: number, ticks = 5): { max: number; step: number } {
  if (!Number.isFinite(max) || max <= 0) return { max: 1, step: 0.2 };
  const rough = max / ticks;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
  return { max: Math.ceil(max / step - 1e-9) * step, step };
}

const numberFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const compactFormat = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

export function formatTick(value: number): string {
  return Math.abs(value) >= 10_000 ? compactFormat.format(value) : numberFormat.format(value);
}

export function defaultSummary(data: ChartData, kind: "bar" | "line"): string {
  const names = data.series.map((s) => s.name).join(", ");
  return `${kind === "bar" ? "Bar" : "Line"} chart of ${data.series.length} series (${names}) over ${data.categories.length} categories`;
}

export function renderChart(data: ChartData, options: ChartOptions = {}): SVGSVGElement {
  const width = options.width ?? 760;
  const height = options.height ?? 340;
  const pointCount = data.categories.length * Math.max(1, data.series.length);
  const kind = options.kind === "bar" || options.kind === "line" ? options.kind : pointCount <= 96 ? "bar" : "line";

  // Legend rows (wrapped) at the top.
  const legendItems: { name: string; color: string; x: number; y: number }[] = [];
  {
    let x = 0;
    let y = 0;
    const maxWidth = width - 24;
    data.series.forEach((s, i) => {
      const itemWidth = 22 + s.name.length * 7.2 + 18;
      if (x > 0 && x + itemWidth > maxWidth) {
        x = 0;
        y += 20;
      }
      legendItems.push({ name: s.name, color: colorFor(i), x, y });
      x += itemWidth;
    });
  }
  const legendHeight = data.series.length ? legendItems[legendItems.length - 1]!.y + 20 : 0;

  const margin = { top: 12 + legendHeight + 12, right: 16, bottom: 52, left: 64 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;

  const allValues = data.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const { max: yMax, step } = niceScale(Math.max(0, ...allValues));
  const yOf = (v: number): number => margin.top + plotH - (Math.max(0, v) / yMax) * plotH;

  const n = Math.max(1, data.categories.length);
  const band = plotW / n;
  const xCenter = (i: number): number => margin.left + band * (i + 0.5);

  const root = svg("svg", {
    xmlns: "http://www.w3.org/2000/svg",
    viewBox: `0 0 ${width} ${height}`,
    class: "chart",
    role: "img",
    "aria-label": options.ariaLabel ?? defaultSummary(data, kind),
    id: options.id,
  });

  // Legend.
  const legend = svg("g", { class: "chart-legend", transform: `translate(${margin.left / 2}, 12)` });
  for (const item of legendItems) {
    legend.append(
      svg("rect", { x: item.x, y: item.y, width: 14, height: 14, rx: 3, fill: item.color }),
      svg("text", { x: item.x + 20, y: item.y + 11.5, class: "chart-legend-label" }, item.name),
    );
  }
  root.append(legend);

  // Y grid, ticks and labels.
  const yAxis = svg("g", { class: "chart-axis chart-y-axis" });
  for (let v = 0; v <= yMax + step / 2; v += step) {
    const y = yOf(v);
    yAxis.append(
      svg("line", { x1: margin.left, x2: margin.left + plotW, y1: y, y2: y, class: v === 0 ? "chart-baseline" : "chart-grid" }),
      svg("text", { x: margin.left - 8, y: y + 4, "text-anchor": "end", class: "chart-tick" }, formatTick(v)),
    );
  }
  root.append(yAxis);

  // X labels: thinned so they do not overlap.
  const maxLabels = Math.max(1, Math.floor(plotW / 72));
  const every = Math.ceil(data.categories.length / maxLabels);
  const xAxis = svg("g", { class: "chart-axis chart-x-axis" });
  data.categories.forEach((label, i) => {
    if (i % every !== 0) return;
    const x = xCenter(i);
    xAxis.append(
      svg("line", { x1: x, x2: x, y1: margin.top + plotH, y2: margin.top + plotH + 5, class: "chart-baseline" }),
      svg("text", { x, y: margin.top + plotH + 18, "text-anchor": "middle", class: "chart-tick" }, label),
    );
  });
  root.append(xAxis);

  // Axis titles.
  if (options.xLabel) {
    root.append(
      svg("text", { x: margin.left + plotW / 2, y: height - 8, "text-anchor": "middle", class: "chart-axis-title" }, options.xLabel),
    );
  }
  if (options.yLabel) {
    const cx = 16;
    const cy = margin.top + plotH / 2;
    root.append(
      svg(
        "text",
        { x: cx, y: cy, "text-anchor": "middle", transform: `rotate(-90 ${cx} ${cy})`, class: "chart-axis-title" },
        options.yLabel,
      ),
    );
  }

  // Data.
  const plot = svg("g", { class: `chart-data chart-${kind}` });
  const tooltip = (s: ChartSeries, i: number, v: number): string =>
    `${s.name} · ${data.categories[i] ?? ""}: ${s.display?.[i] ?? formatTick(v)}`;

  if (kind === "bar") {
    const groupW = band * 0.8;
    const barW = groupW / Math.max(1, data.series.length);
    data.series.forEach((s, si) => {
      s.values.forEach((v, i) => {
        if (v === null || !Number.isFinite(v)) return;
        const x = margin.left + band * i + (band - groupW) / 2 + barW * si;
        const y = yOf(v);
        plot.append(
          svg(
            "rect",
            { x, y, width: Math.max(1, barW - 1), height: Math.max(0, margin.top + plotH - y), fill: colorFor(si) },
            svg("title", {}, tooltip(s, i, v)),
          ),
        );
      });
    });
  } else {
    data.series.forEach((s, si) => {
      let d = "";
      let pen = false;
      s.values.forEach((v, i) => {
        if (v === null || !Number.isFinite(v)) {
          pen = false;
          return;
        }
        d += `${pen ? "L" : "M"}${xCenter(i).toFixed(1)},${yOf(v).toFixed(1)}`;
        pen = true;
      });
      plot.append(svg("path", { d, fill: "none", stroke: colorFor(si), "stroke-width": 2, "stroke-linejoin": "round" }));
      const radius = data.categories.length <= 120 ? 3 : 1.5; // markers also keep isolated points visible
      s.values.forEach((v, i) => {
        if (v === null || !Number.isFinite(v)) return;
        plot.append(
          svg("circle", { cx: xCenter(i), cy: yOf(v), r: radius, fill: colorFor(si) }, svg("title", {}, tooltip(s, i, v))),
        );
      });
    });
  }
  root.append(plot);
  return root;
}
