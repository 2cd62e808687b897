// A price and its charges as docs/pricing.md describes them. The OpenAPI document leaves a plan's prices and
// a usage line's breakdown open (objects the pricing factory checks), so their shapes are written here.
import type { Aggregation } from "./api-types.js";

type Decimal = string;

/** The models the API's pricing factory accepts, as the plan editor offers them. */
export const PRICE_MODELS = ["per_unit", "graduated", "volume", "package", "percentage", "graduated_percentage"] as const;
export type PriceModel = (typeof PRICE_MODELS)[number];

export const AGGREGATIONS = ["sum", "count", "max", "latest", "unique_count"] as const satisfies readonly Aggregation[];

export type Tier = {
  /** null (or omitted in the editor) = the open-ended last tier. */
  up_to: Decimal | null;
  unit_amount?: Decimal;
  /** A graduated_percentage tier's rate in percent, in place of a unit amount. */
  rate?: Decimal;
  flat_amount?: Decimal;
};

/** A price as sent to POST /v1/plans: only the keys of its model (the API refuses others). */
export type PriceSpec = {
  feature: string;
  model: PriceModel | string;
  aggregation?: Aggregation | string;
  /** The event property counted by unique_count (required with it, refused otherwise). */
  property?: string;
  unit_amount?: Decimal;
  tiers?: Tier[];
  package_size?: Decimal;
  package_amount?: Decimal;
  /** percentage: the rate in percent ("2.9" is 2.9 %) and an optional fee per event. */
  rate?: Decimal;
  fixed_amount?: Decimal;
};

/** One tier (or the package) a usage line's quantity fell in. Amounts are unrounded decimal strings. */
export type TierCharge = {
  tier: number;
  from: Decimal;
  /** null: the open-ended last tier. */
  up_to: Decimal | null;
  units: Decimal;
  unit_amount: Decimal;
  flat_amount: Decimal;
  amount: Decimal;
  /** Set for the package model; unit_amount is then the price of one package. */
  package_size?: Decimal;
  /** Set for the graduated_percentage model (a percentage); unit_amount is then rate / 100. */
  rate?: Decimal;
};

/** A percentage price's parts: the rate on the value, the fixed fee per event, or per-transaction pricing. */
export type PercentageCharge = {
  kind: "percentage" | "fixed_fee" | "per_transaction";
  amount: Decimal;
  [field: string]: unknown;
};
