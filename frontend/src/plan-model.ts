// Plans without the DOM: the create form's values to a POST /v1/plans body with the problems found
// (named by the API's own field paths, so client and server errors are shown the same way), and
// prices described in words. Pure: unit-tested with `node --test`.
import type { NewPlan } from "./api-types.js";
import type { PriceSpec, Tier } from "./prices.js";
import { isDecimalString, isZeroDecimal } from "./decimal.js";

export interface TierValues {
  upTo: string;
  unitAmount: string;
  /** graduated_percentage tiers have a rate in place of a unit amount. */
  rate?: string;
  flatAmount: string;
}

export interface PriceValues {
  feature: string;
  model: string;
  aggregation: string;
  property: string;
  unitAmount: string;
  packageSize: string;
  packageAmount: string;
  /** percentage: the rate in percent and the optional fee per event. */
  rate?: string;
  fixedAmount?: string;
  tiers: TierValues[];
}

export interface PlanValues {
  name: string;
  currency: string;
  /** The plan fee per period (optional: none when absent or empty). */
  fee?: string;
  minimum: string;
  graceDays: string;
  prices: PriceValues[];
}

export interface Problem {
  /** The API's path of the field: "name", "prices[0].tiers[1].up_to". */
  path: string;
  message: string;
}

export const TIERED_MODELS = new Set(["graduated", "volume", "graduated_percentage"]);
/** The tiered model whose tiers have a rate (percent) instead of a unit amount. */
export const RATE_TIERS = "graduated_percentage";

/** The labels of the plan form's controls, by field name or key (see errors.ts fieldLabel). */
export const PLAN_LABELS: Readonly<Record<string, string>> = {
  name: "Plan name",
  currency: "Currency",
  amount: "Plan fee",
  minimum_amount: "Minimum amount",
  grace_period_days: "Grace period (days)",
  feature: "Feature",
  model: "Model",
  aggregation: "Aggregation",
  property: "Property (for unique_count)",
  unit_amount: "Unit amount",
  package_size: "Package size",
  package_amount: "Package amount",
  up_to: "Up to",
  flat_amount: "Flat amount",
  rate: "Rate (%)",
  fixed_amount: "Fixed amount per event",
};

function priceSpec(p: PriceValues): PriceSpec {
  const spec: PriceSpec = { feature: p.feature.trim(), model: p.model, aggregation: p.aggregation || "sum" };
  if (spec.aggregation === "unique_count") spec.property = p.property.trim();
  if (TIERED_MODELS.has(p.model)) {
    spec.tiers = p.tiers.map((t) => {
      const tier: Tier = p.model === RATE_TIERS ? { up_to: t.upTo.trim() || null, rate: (t.rate ?? "").trim() } : { up_to: t.upTo.trim() || null, unit_amount: t.unitAmount.trim() };
      if (t.flatAmount.trim()) tier.flat_amount = t.flatAmount.trim();
      return tier;
    });
  } else if (p.model === "package") {
    spec.package_size = p.packageSize.trim();
    spec.package_amount = p.packageAmount.trim();
  } else if (p.model === "percentage") {
    spec.rate = (p.rate ?? "").trim();
    if (p.fixedAmount?.trim()) spec.fixed_amount = p.fixedAmount.trim();
  } else {
    spec.unit_amount = p.unitAmount.trim();
  }
  return spec;
}

/** The body as typed, without checks ("Copy form to JSON"). */
export function planBody(values: PlanValues): NewPlan {
  const body: NewPlan = {
    name: values.name.trim(),
    currency: values.currency.trim().toUpperCase() || "USD",
    prices: values.prices.map(priceSpec),
  };
  if (values.fee?.trim()) body.amount = values.fee.trim();
  if (values.minimum.trim()) body.minimum_amount = values.minimum.trim();
  const grace = values.graceDays.trim();
  body.grace_period_days = /^\d+$/.test(grace) ? Number.parseInt(grace, 10) : 0; // a count of days, not money
  return body;
}

const DECIMAL_HINT = "must be a number such as 10 or 0.25";

/** The body and every problem found before sending (empty `problems` = send it). */
export function checkPlan(values: PlanValues): { body: NewPlan; problems: Problem[] } {
  const problems: Problem[] = [];
  const decimal = (path: string, value: string, required: boolean): void => {
    const v = value.trim();
    if (!v) {
      if (required) problems.push({ path, message: "is required" });
    } else if (!isDecimalString(v) || v.startsWith("-")) problems.push({ path, message: DECIMAL_HINT });
  };
  if (!values.name.trim()) problems.push({ path: "name", message: "is required" });
  if (values.currency.trim() && !/^[A-Za-z]{3}$/.test(values.currency.trim())) {
    problems.push({ path: "currency", message: "must be a three-letter ISO 4217 code such as USD" });
  }
  decimal("amount", values.fee ?? "", false);
  decimal("minimum_amount", values.minimum, false);
  const grace = values.graceDays.trim();
  if (grace && (!/^\d+$/.test(grace) || Number.parseInt(grace, 10) > 365)) {
    problems.push({ path: "grace_period_days", message: "must be a whole number of days from 0 to 365" });
  }
  values.prices.forEach((p, i) => {
    const at = `prices[${i}]`;
    if (!p.feature.trim()) problems.push({ path: `${at}.feature`, message: "is required" });
    if (p.aggregation === "unique_count" && !p.property.trim()) {
      problems.push({ path: `${at}.property`, message: "is required to count unique values" });
    }
    if (TIERED_MODELS.has(p.model)) {
      p.tiers.forEach((t, j) => {
        const last = j === p.tiers.length - 1;
        decimal(`${at}.tiers[${j}].up_to`, t.upTo, !last);
        if (p.model === RATE_TIERS) decimal(`${at}.tiers[${j}].rate`, t.rate ?? "", true);
        else decimal(`${at}.tiers[${j}].unit_amount`, t.unitAmount, true);
        decimal(`${at}.tiers[${j}].flat_amount`, t.flatAmount, false);
      });
    } else if (p.model === "package") {
      decimal(`${at}.package_size`, p.packageSize, true);
      decimal(`${at}.package_amount`, p.packageAmount, true);
    } else if (p.model === "percentage") {
      decimal(`${at}.rate`, p.rate ?? "", true);
      decimal(`${at}.fixed_amount`, p.fixedAmount ?? "", false);
    } else {
      decimal(`${at}.unit_amount`, p.unitAmount, true);
    }
  });
  return { body: planBody(values), problems };
}

const isZero = (value: string | undefined): boolean => value === undefined || !isDecimalString(value) || isZeroDecimal(value);

function tierRate(t: Tier): string {
  const unit = t.rate !== undefined ? `${t.rate} %` : isZero(t.unit_amount) ? "free" : `${t.unit_amount} each`;
  return t.flat_amount && !isZero(t.flat_amount) ? `${unit} + ${t.flat_amount} flat` : unit;
}

/** What one price charges, in words, in parts: the names in it (feature, property) are given to `name`, which
 * makes someone's text of them on the page ("unique user_id of users: 3 per unit"). */
export function priceWords<T>(price: PriceSpec, currency: string, name: (text: string) => T): (string | T)[] {
  const money = currency ? ` ${currency}` : "";
  const counted =
    price.aggregation === "unique_count"
      ? ["unique ", price.property === undefined ? "values" : name(price.property), " of ", name(price.feature)]
      : price.aggregation && price.aggregation !== "sum"
        ? [name(price.feature), ` (${price.aggregation} over the period)`]
        : [name(price.feature)];
  return [...counted, chargeWords(price, money)];
}

function chargeWords(price: PriceSpec, money: string): string {
  if (Array.isArray(price.tiers)) {
    let from = "0";
    const parts = price.tiers.map((t, i) => {
      const range =
        t.up_to === null ? (i === 0 ? "every unit" : `above ${from}`) : i === 0 ? `the first ${t.up_to}` : `${from} to ${t.up_to}`;
      if (t.up_to !== null) from = t.up_to;
      return `${range}: ${tierRate(t)}`;
    });
    const how =
      price.model === "volume"
        ? "every unit at the rate of the tier the total falls in"
        : price.model === RATE_TIERS
          ? "each slice of the value at the rate of its own tier"
          : "each unit at the rate of its own tier";
    return `, ${how}${money ? ` (${money.trim()})` : ""}: ${parts.join("; ")}`;
  }
  if (price.model === "package") {
    return `: ${price.package_amount ?? "?"}${money} per started package of ${price.package_size ?? "?"}`;
  }
  if (price.model === "percentage") {
    const fee = price.fixed_amount && !isZero(price.fixed_amount) ? ` + ${price.fixed_amount}${money} per event` : "";
    return `: ${price.rate ?? "?"} % of the value${fee}`;
  }
  return `: ${price.unit_amount ?? "?"}${money} per unit`;
}

/** Short text of a price for lists, e.g. "graduated · sum: ≤ 100 at 0; ≤ 1000 at 0.01; above at 0.0035 + 2 flat". */
export function describePrice(price: PriceSpec): string {
  const head = `${price.model} · ${price.aggregation ?? "sum"}${price.property ? ` of ${price.property}` : ""}`;
  const flat = (t: Tier): string => (t.flat_amount && !isZero(t.flat_amount) ? ` + ${t.flat_amount} flat` : "");
  if (Array.isArray(price.tiers)) {
    const tiers = price.tiers.map((t) => `${t.up_to === null ? "above" : `≤ ${t.up_to}`} at ${t.rate !== undefined ? `${t.rate} %` : t.unit_amount}${flat(t)}`);
    return `${head}: ${tiers.join("; ")}`;
  }
  if (price.package_size !== undefined) return `${head}: ${price.package_amount ?? "?"} per ${price.package_size}`;
  if (price.rate !== undefined) return `${head}: ${price.rate} %${price.fixed_amount ? ` + ${price.fixed_amount} per event` : ""}`;
  return `${head}: ${price.unit_amount ?? "?"} per unit`;
}
