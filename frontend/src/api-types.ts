// The API's wire types by the names the dashboard uses: each is a schema of the OpenAPI document
// (functions/openapi/openapi.json), generated into openapi.d.ts by `npm run generate`. Nothing here is
// written by hand but the few narrowings the document leaves open (a plan's prices: prices.ts).
//
// Money and quantities are decimal STRINGS on the wire and stay strings in the dashboard.
import type { components } from "./openapi.js";
import type { PriceSpec } from "./prices.js";

type Schemas = components["schemas"];

export type Customer = Schemas["CustomerOut"];
export type Principal = Schemas["PrincipalOut"];

export type EventInput = Schemas["EventIn"];
export type BatchResult = Schemas["IngestOut"];

export type UsageWindow = Schemas["Window"];
/** How a usage read aggregates each feature: summed (the default), or as the customer's plan bills it. */
export type UsageAggregation = Schemas["UsageAggregation"];
/** How a plan aggregates a feature's events over a period. */
export type Aggregation = Schemas["BilledUsageOut"]["aggregation"];
/** A feature's quantity over a range; with `aggregation=billed` it also says how the plan aggregates it. */
export type UsageTotal = Schemas["UsageOut"] & Partial<Pick<Schemas["BilledUsageOut"], "aggregation" | "property">>;
/** A feature's quantity in one window (ISO 8601 with the customer's UTC offset). */
export type UsageBucket = Schemas["UsagePointOut"] & Partial<Pick<Schemas["BilledUsagePointOut"], "aggregation" | "property">>;

/** POST /v1/invoices/run: a started run, billed in the background (status "running") when the API has a queue. */
export type BillingRunResult = Schemas["BillingRunOut"];
/** GET /v1/billing-runs/{id}: a run's counts and a page of the customers it could not bill. */
export type BillingRun = Schemas["BillingRunStatusOut"];
export type BillingFailure = Schemas["CustomerFailureOut"];
/** A customer whose draft bills usage without a price: features no plan prices, on a draft with no unit price. */
export type UnpricedUsage = Schemas["UnpricedUsageOut"];

export type Invoice = Schemas["InvoiceOut"];
export type InvoiceStatus = Schemas["InvoiceStatus"];
/** An invoice stored nowhere: the upcoming invoice (status "upcoming") or one side of an estimate. */
export type InvoicePreview = Schemas["InvoicePreviewOut"];
export type Estimate = Schemas["EstimateOut"];
export type LineItem = Schemas["LineItemOut"];
export type Issuer = Schemas["IssuerOut"];

/** A plan as the API returns it, its prices as docs/pricing.md describes them. */
export type Plan = Omit<Schemas["PlanOut"], "prices"> & { prices: PriceSpec[] };
/** POST /v1/plans' body (and an estimate's described plan). */
export type NewPlan = Omit<Schemas["CreatePlanRequest"], "prices"> & { prices: PriceSpec[] };

export type CreditLedger = Schemas["CreditsOut"];
/** The reply of a grant: the new entry and the customer's balance after it. */
export type CreditGrant = Schemas["CreditGrantOut"];

export type FieldError = Schemas["ErrorField"];
