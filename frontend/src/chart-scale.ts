// The arithmetic of the usage charts. Pure (no DOM): unit-tested with `node --test`.
//
// The API lists only the windows that had usage; a chart needs every window of the range on a
// continuous time axis, so missing windows are filled with zero here. Values stay exact decimal
// strings for the table; JS numbers are used for geometry only.

import type { Aggregation, UsageTotal } from "./api-types.js";

export interface WindowRow {
  feature: string;
  /** ISO 8601 with an offset. */
  window_start: string;
  quantity: string;
  /** How the plan aggregates the feature (rows read with `aggregation=billed`); a sum when absent. */
  aggregation?: Aggregation;
  property?: string | null;
}

export interface FeatureSeries {
  feature: string;
  /** One exact value per window ("0" where the API listed none). */
  values: string[];
  /** The same as numbers, for drawing. */
  heights: number[];
  /** The whole range's figure: the range's own total when given, else the windows' sum. */
  total: string;
  aggregation: Aggregation;
  property: string | undefined;
}

export interface FilledUsage {
  /** Window starts (instants), in order. */
  windows: Date[];
  series: FeatureSeries[];
  /** Rows the API returned whose window start is outside `windows` (should be none). */
  unplaced: number;
}

function sum(values: string[], add: (a: string, b: string) => string): string {
  return values.reduce((acc, v) => add(acc, v), "0");
}

/**
 * One series per feature (sorted by name) over every window, matching rows by instant, so
 * "2025-09-03T00:00:00-04:00" and "2025-09-03T04:00:00Z" are the same window.
 * `features` adds features with no rows at all (e.g. every price of the plan). `totals` (the range read
 * whole) give each feature's figure: a max or a count of unique values is not the sum of its windows'.
 */
export function fillWindows(
  rows: WindowRow[],
  windows: Date[],
  add: (a: string, b: string) => string,
  features: string[] = [],
  totals: UsageTotal[] = [],
): FilledUsage {
  const position = new Map(windows.map((w, i) => [w.getTime(), i]));
  const names = Array.from(new Set([...features, ...rows.map((r) => r.feature), ...totals.map((t) => t.feature)])).sort();
  const byFeature = new Map(names.map((name) => [name, windows.map(() => "0")]));
  let unplaced = 0;
  for (const row of rows) {
    const i = position.get(Date.parse(row.window_start));
    const values = byFeature.get(row.feature);
    if (i === undefined || !values) {
      unplaced += 1;
      continue;
    }
    values[i] = add(values[i] ?? "0", row.quantity);
  }
  const whole = new Map(totals.map((t) => [t.feature, t]));
  const firstRow = new Map(rows.map((r) => [r.feature, r]));
  const series = names.map((feature): FeatureSeries => {
    const values = byFeature.get(feature) ?? [];
    const described = whole.get(feature) ?? firstRow.get(feature);
    return {
      feature,
      values,
      heights: values.map(Number),
      total: whole.get(feature)?.quantity ?? sum(values, add),
      aggregation: described?.aggregation ?? "sum",
      property: described?.property ?? undefined,
    };
  });
  return { windows, series, unplaced };
}

/** A "nice" axis maximum and step (1, 2, 2.5 or 5 times a power of ten) for about `ticks` intervals. */
export function niceScale(max: number, ticks = 4): { max: number; step: number } {
  if (!Number.isFinite(max) || max <= 0) return { max: 1, step: 0.25 };
  const rough = max / ticks;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= rough * (1 - 1e-12)) ?? 10) * power;
  return { max: Math.ceil(max / step - 1e-9) * step, step };
}

/** The tick values 0, step, 2·step, … max, without floating-point drift (0.30000000000000004). */
export function tickValues(max: number, step: number): number[] {
  const count = Math.round(max / step);
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Array.from({ length: count + 1 }, (_, i) => Number((i * step).toFixed(digits)));
}

const numberFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 4 });
const compactFormat = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

export function formatTick(value: number): string {
  return Math.abs(value) >= 10_000 ? compactFormat.format(value) : numberFormat.format(value);
}

/** Every how many windows an x label fits, for labels about `labelWidth` wide in `plotWidth`. */
export function labelEvery(count: number, plotWidth: number, labelWidth = 80): number {
  const fit = Math.max(1, Math.floor(plotWidth / labelWidth));
  return Math.max(1, Math.ceil(count / fit));
}
