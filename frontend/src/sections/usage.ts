// Usage: totals per feature for a range, or per hour/day window with a chart.
import type { ApiClient, UsageBucket, UsageTotal, UsageWindow } from "../api.js";
import { renderChart, type ChartData } from "../chart.js";
import { bindCustomerPicker } from "../customers-store.js";
import { sumDecimals } from "../decimal.js";
import { byId, h, InputError, replaceChildren, requireValue, runAction, table } from "../dom.js";
import { monthStartUtc, toUtcInputValue, toUtcIso, windowLabel } from "../time.js";

/** Turns windowed rows into chart series: one category per distinct window_start, in time order. */
export function bucketsToChart(buckets: UsageBucket[], window: UsageWindow): ChartData {
  const starts = Array.from(new Set(buckets.map((b) => b.window_start))).sort(
    (a, b) => Date.parse(a) - Date.parse(b) || a.localeCompare(b),
  );
  const position = new Map(starts.map((s, i) => [s, i]));
  const features = Array.from(new Set(buckets.map((b) => b.feature))).sort();
  // A window the API leaves out for a feature had no events: it is drawn as 0.
  const series = features.map((feature) => ({
    name: feature,
    values: starts.map((): number | null => 0),
    display: starts.map((): string | null => "0"),
  }));
  const byFeature = new Map(series.map((s) => [s.name, s]));
  for (const b of buckets) {
    const s = byFeature.get(b.feature);
    const i = position.get(b.window_start);
    if (!s || i === undefined) continue;
    s.values[i] = Number(b.quantity); // chart geometry only; tables show the exact string
    s.display[i] = b.quantity;
  }
  return { categories: starts.map((s) => windowLabel(s, window)), series };
}

function totalsFromBuckets(buckets: UsageBucket[]): UsageTotal[] {
  const byFeature = new Map<string, string[]>();
  for (const b of buckets) byFeature.set(b.feature, [...(byFeature.get(b.feature) ?? []), b.quantity]);
  return Array.from(byFeature, ([feature, quantities]) => ({ feature, quantity: sumDecimals(quantities) })).sort((a, b) =>
    a.feature.localeCompare(b.feature),
  );
}

function summary(data: ChartData, totals: UsageTotal[], window: UsageWindow, start: string, end: string): string {
  const parts = data.series.map((s) => {
    let peak = -Infinity;
    let peakAt = "";
    s.values.forEach((v, i) => {
      if (v !== null && v > peak) {
        peak = v;
        peakAt = data.categories[i] ?? "";
      }
    });
    const total = totals.find((t) => t.feature === s.name)?.quantity ?? "";
    const peakText = Number.isFinite(peak) ? `, peak ${s.display?.[s.values.indexOf(peak)] ?? peak} at ${peakAt}` : "";
    return `${s.name} total ${total}${peakText}`;
  });
  return (
    `Usage per ${window} from ${start} to ${end}: ${data.categories.length} ${window}` +
    `${data.categories.length === 1 ? "" : "s"}, ${data.series.length} feature${data.series.length === 1 ? "" : "s"}. ` +
    parts.join("; ") +
    "."
  );
}

export function initUsage(api: ApiClient): void {
  const section = byId("usage", HTMLElement);
  const customerId = bindCustomerPicker("usage");
  const form = byId("usage-form", HTMLFormElement);
  const startInput = byId("usage-start", HTMLInputElement);
  const endInput = byId("usage-end", HTMLInputElement);
  const windowSelect = byId("usage-window", HTMLSelectElement);
  const error = byId("usage-error", HTMLElement);
  const result = byId("usage-result", HTMLElement);

  const now = new Date();
  startInput.value = toUtcInputValue(monthStartUtc(now));
  endInput.value = toUtcInputValue(monthStartUtc(now, 1));

  const totalsTable = (totals: UsageTotal[]): HTMLElement =>
    totals.length
      ? table(
          { id: "usage-totals-table", class: "data-table" },
          "Usage totals",
          ["Feature", "Quantity"],
          totals.map((t) => [t.feature, h("span", { class: "num" }, t.quantity)]),
        )
      : h("p", { class: "empty", id: "usage-empty" }, "No usage in this range.");

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void runAction(section, error, async () => {
      const customer = requireValue(customerId, "Customer ID");
      const start = toUtcIso(startInput.value);
      const end = toUtcIso(endInput.value);
      if (!start) throw new InputError("Start must be a date and time.", [startInput]);
      if (!end) throw new InputError("End must be a date and time.", [endInput]);
      if (Date.parse(end) <= Date.parse(start)) throw new InputError("End must be after start.", [endInput]);
      const window = windowSelect.value === "hour" || windowSelect.value === "day" ? windowSelect.value : null;
      result.replaceChildren();

      const range = h("p", { class: "summary" }, `${customer} · ${start} → ${end}${window ? ` · per ${window}` : ""}`);
      if (!window) {
        const totals = await api.usageTotals(customer, start, end);
        replaceChildren(result, range, totalsTable(totals));
        return;
      }
      const buckets = await api.usageWindows(customer, start, end, window);
      const totals = totalsFromBuckets(buckets);
      if (buckets.length === 0) {
        replaceChildren(result, range, totalsTable(totals));
        return;
      }
      const data = bucketsToChart(buckets, window);
      const chart = renderChart(data, {
        id: "usage-chart",
        xLabel: `Window start (${window}, customer's timezone)`,
        yLabel: "Quantity",
        ariaLabel: summary(data, totals, window, start, end),
      });
      replaceChildren(
        result,
        range,
        totalsTable(totals),
        h("figure", { class: "chart-figure" }, chart, h("figcaption", {}, `Usage per ${window} by feature`)),
        h(
          "details",
          { class: "window-details" },
          h("summary", {}, `Per-${window} data (${buckets.length} rows)`),
          table(
            { id: "usage-windows-table", class: "data-table" },
            `Usage per ${window}`,
            ["Window start", "Feature", "Quantity"],
            buckets.map((b) => [b.window_start, b.feature, h("span", { class: "num" }, b.quantity)]),
          ),
        ),
      );
    });
  });
}
