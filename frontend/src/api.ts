// Typed fetch client for the billing API (/v1/*).
//
// Money and quantities are decimal STRINGS on the wire and stay strings here:
// nothing in this module turns them into JS numbers.

export type Decimal = string;

export interface Customer {
  id: string;
  name: string;
  email: string;
  timezone: string;
  /** ISO 4217 code: the currency of the customer's plan (USD without a plan). */
  currency?: string;
  plan_id: string | null;
  created_at: string;
}

export interface NewCustomer {
  name: string;
  email: string;
  timezone?: string;
}

export interface EventInput {
  feature: string;
  /** A number or a decimal string; the dashboard sends what the user typed, as a string. */
  quantity: Decimal | number;
  /** ISO 8601 with a timezone designator. */
  ts: string;
  id?: string;
  properties?: Record<string, unknown>;
}

export interface EventBatch {
  customer_id: string;
  events: EventInput[];
}

export interface EventResult {
  index: number;
  id: string;
  status: "accepted" | "duplicate" | string;
}

export interface BatchResult {
  accepted: number;
  duplicates: number;
  results: EventResult[];
}

export type UsageWindow = "hour" | "day";

/** How a usage read aggregates each feature: summed (the default), or as the customer's plan bills it. */
export type UsageAggregation = "sum" | "billed";

export interface UsageTotal {
  feature: string;
  quantity: Decimal;
  /** With `aggregation=billed`: how the customer's plan aggregates the feature. */
  aggregation?: Aggregation;
  /** With `aggregation=billed`, for unique_count: the property whose distinct values are counted. */
  property?: string;
}

export interface UsageBucket {
  feature: string;
  /** ISO 8601 with the customer's UTC offset. */
  window_start: string;
  quantity: Decimal;
  aggregation?: Aggregation;
  property?: string;
}

export interface BillingFailure {
  customer_id: string;
  /** Why the customer could not be billed, in the API's words. */
  reason: string;
}

/** A customer whose draft bills usage without a price: features no plan prices, on a draft with no unit price. */
export interface UnpricedUsage {
  customer_id: string;
  invoice_id: string;
  features: string[];
}

/** POST /v1/invoices/run: a started run. Billed in the background (status "running") when the API has a
 * queue: its invoices and failures are then known from GET /v1/billing-runs/{billing_run_id}. */
export interface BillingRunResult {
  invoices_generated: number;
  period: string;
  invoice_ids: string[];
  billing_run_id?: string | null;
  failures?: BillingFailure[];
  status?: "running" | "done";
  customers_queued?: number | null;
  /** Customers billed with usage no price rates (known when the run is done in the answer). */
  unpriced_usage?: UnpricedUsage[];
}

/** GET /v1/billing-runs/{id}: a run's counts and a page of the customers it could not bill. */
export interface BillingRun {
  id: string;
  period: string;
  status: "running" | "done" | string;
  customers_queued: number;
  customers_billed: number;
  customers_failed: number;
  failures: BillingFailure[];
  /** The next page of failures; null on the last. */
  next_cursor?: string | null;
  /** How many customers it billed with usage no price rates, a page of them, and the cursor of the next page. */
  customers_with_unpriced_usage?: number;
  unpriced_usage?: UnpricedUsage[];
  unpriced_usage_next_cursor?: string | null;
}

/** One page of a list; `next_cursor` is null on the last page. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
  /** True when the API does not search yet and `q` was applied to this page only. */
  filtered_here?: boolean;
}

/** An invoice stored nowhere: the upcoming invoice (status "upcoming") or one side of an estimate. */
export interface InvoicePreview {
  status: "upcoming" | "estimate";
  customer_id: string;
  period: string;
  period_start: string;
  period_end: string;
  currency: string;
  subtotal: Decimal;
  credits_applied: Decimal;
  total: Decimal;
  /** Lines summing below zero: credited to the customer's balance when the invoice is finalized. */
  carried_over: Decimal;
  line_items: LineItem[];
  plan_id: string | null;
  plan_name: string | null;
  /** The period's events rated into its usage lines. */
  events_counted: number;
  /** When it was composed (ISO 8601, UTC). */
  as_of: string;
}

/** A period's usage rated under the customer's own plan (`current`) and another (`estimate`). */
export interface Estimate {
  period: string;
  current: InvoicePreview;
  estimate: InvoicePreview;
}

/** GET /v1/whoami: the calling key, its role and (for a customer key) its customer. */
export interface Principal {
  key_id: string;
  role: "admin" | "customer" | string;
  customer_id: string | null;
}

export interface ApiKey {
  id: string;
  customer_id?: string | null;
  created_at?: string;
}

export type LineItemType = "plan_fee" | "usage" | "minimum" | "adjustment" | "credit";

/** One tier (or the package) a usage line's quantity fell in. Amounts are unrounded decimal strings. */
export interface TierCharge {
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
}

/** A percentage price's parts: the rate on the value, the fixed fee per event, or per-transaction pricing. */
export interface PercentageCharge {
  kind: "percentage" | "fixed_fee" | "per_transaction";
  amount: Decimal;
  [field: string]: unknown;
}

export interface LineItem {
  type: LineItemType | string;
  feature?: string | null;
  quantity?: Decimal | null;
  unit_price?: Decimal | null;
  amount: Decimal;
  description: string;
  breakdown?: (TierCharge | PercentageCharge)[];
  /** For adjustment lines: the earlier period they correct (YYYY-MM). */
  adjusts_period?: string | null;
}

export interface Invoice {
  id: string;
  customer_id: string;
  period: string;
  period_start: string;
  period_end: string;
  status: string;
  currency: string;
  subtotal: Decimal;
  credits_applied: Decimal;
  total: Decimal;
  /** Lines summing below zero: credited to the customer's balance when the invoice is finalized. */
  carried_over: Decimal;
  line_items: LineItem[];
  plan_id?: string | null;
  /** The price of features no plan prices, kept by a draft across runs without one; null: none. */
  unit_price?: Decimal | null;
  created_at: string;
  updated_at: string;
  finalized_at?: string | null;
  voided_at?: string | null;
  /** 0: the period's first invoice; k: its k-th reissue (made once issue k - 1 was voided). */
  issue?: number;
  /** A reissue: the id of the void invoice it replaces. */
  replaces?: string | null;
  /** Given at finalization (null on drafts): "INV-000042". */
  number?: string | null;
  /** YYYY-MM-DD in the customer's timezone, given at finalization. */
  issue_date?: string | null;
  due_date?: string | null;
  /** Who issued it, frozen at finalization (empty strings when the deployment sets none). */
  issuer?: Issuer | null;
}

export interface Issuer {
  name: string;
  address: string;
  tax_id: string;
}

export const PRICE_MODELS = ["per_unit", "graduated", "volume", "package"] as const;
export type PriceModel = (typeof PRICE_MODELS)[number];

export const AGGREGATIONS = ["sum", "count", "max", "latest", "unique_count"] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export interface Tier {
  /** null (or omitted in the editor) = the open-ended last tier. */
  up_to: Decimal | null;
  unit_amount: Decimal;
  flat_amount?: Decimal;
}

/** A price as sent to POST /v1/plans: only the keys of its model (the API refuses others). */
export interface PriceSpec {
  feature: string;
  model: PriceModel | string;
  aggregation?: Aggregation | string;
  /** The event property counted by unique_count (required with it, refused otherwise). */
  property?: string;
  unit_amount?: Decimal;
  tiers?: Tier[];
  package_size?: Decimal;
  package_amount?: Decimal;
}

export interface NewPlan {
  name: string;
  currency?: string;
  /** The plan fee, charged every period whatever the usage. */
  amount?: Decimal;
  minimum_amount?: Decimal;
  grace_period_days?: number;
  /** Days from issue to due date; omitted: the deployment's setting. */
  net_days?: number | null;
  prices: PriceSpec[];
}

export interface Plan {
  id: string;
  name: string;
  currency: string;
  /** The plan fee per period ("0.00": none). */
  amount: Decimal;
  minimum_amount: Decimal;
  grace_period_days: number;
  /** Days from issue to due date; null: the deployment's setting. */
  net_days?: number | null;
  /** Canonical specs as the API returns them (every decimal a string, tiers with flat_amount). */
  prices: PriceSpec[];
  created_at: string;
}

export type CreditEntryType = "grant" | "consumption" | "restoration" | "carryover" | "carryover_reversal";

export interface CreditEntry {
  id: string;
  type: CreditEntryType | string;
  /** Signed: grants, restorations and carry-overs positive, consumptions and carry-over reversals negative. */
  amount: Decimal;
  currency: string;
  description: string | null;
  invoice_id: string | null;
  created_at: string;
}

/** The reply of a grant: the new entry and the customer's balance after it. */
export interface CreditGrant extends CreditEntry {
  balance: Decimal;
}

export interface CreditLedger {
  customer_id: string;
  currency: string;
  balance: Decimal;
  entries: CreditEntry[];
}

export interface FieldError {
  field: string;
  message: string;
}

export type ApiErrorKind = "http" | "network" | "invalid-response";

/** Every failure of the client: an HTTP error status, an unreachable API, or an unreadable body. */
export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  /** HTTP status; 0 when the request never got a response. */
  readonly status: number;
  readonly code: string | undefined;
  readonly fields: FieldError[];

  constructor(
    kind: ApiErrorKind,
    message: string,
    options: { status?: number; code?: string | undefined; fields?: FieldError[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ApiError";
    this.kind = kind;
    this.status = options.status ?? 0;
    this.code = options.code;
    this.fields = options.fields ?? [];
  }
}

export interface ApiConfig {
  /** "" means same origin (requests go to /v1/...). May include a stage path, e.g. https://x.example/prod */
  baseUrl: string;
  apiKey: string;
}

type Query = Record<string, string | number | undefined>;

/** Cursors made here for APIs that page a bare list with `after=<last id>`. */
const LEGACY_CURSOR = "after:";

interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** A JSON body sent verbatim (typed by the user), so its numbers are never read as JS numbers. */
  bodyText?: string;
  /** Send the Authorization header (default true). */
  auth?: boolean;
}

export function buildUrl(baseUrl: string, path: string, query?: Query): string {
  const base = baseUrl.trim().replace(/\/+$/, "");
  let url = `${base}${path}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== "") params.set(key, String(value));
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  return url;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Turns an error body (handler shape or gateway shape) into an ApiError. */
export function errorFromResponse(status: number, statusText: string, body: unknown): ApiError {
  if (isRecord(body) && isRecord(body["error"])) {
    const err = body["error"];
    const fields: FieldError[] = [];
    if (Array.isArray(err["fields"])) {
      for (const f of err["fields"]) {
        if (isRecord(f)) fields.push({ field: String(f["field"] ?? ""), message: String(f["message"] ?? "") });
      }
    }
    const code = typeof err["code"] === "string" ? err["code"] : undefined;
    const message = typeof err["message"] === "string" && err["message"] ? err["message"] : `HTTP ${status}`;
    return new ApiError("http", message, { status, code, fields });
  }
  if (isRecord(body) && typeof body["message"] === "string") {
    let message = body["message"];
    if (status === 401) message += " (check the API key in Settings)";
    else if (status === 403) message += " (the API key is not allowed to do this)";
    return new ApiError("http", message, { status });
  }
  const text = typeof body === "string" && body.trim() ? `: ${body.trim().slice(0, 200)}` : "";
  return new ApiError("http", `HTTP ${status} ${statusText}`.trim() + text, { status });
}

export class ApiClient {
  constructor(private readonly getConfig: () => ApiConfig) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const config = this.getConfig();
    const url = buildUrl(config.baseUrl, path, options.query);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (options.auth !== false) headers["Authorization"] = `Bearer ${config.apiKey}`;
    const init: RequestInit = { method, headers };
    if (options.bodyText !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = options.bodyText;
    } else if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }

    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (cause) {
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new ApiError("network", `Network error: could not reach ${url} (${detail})`, { cause });
    }

    const raw = await response.text();
    let body: unknown = undefined;
    if (raw) {
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        body = raw;
      }
    }
    if (!response.ok) throw errorFromResponse(response.status, response.statusText, body);
    if (raw && typeof body === "string") {
      throw new ApiError("invalid-response", `Expected JSON from ${url}, got: ${raw.slice(0, 200)}`, {
        status: response.status,
      });
    }
    return body as T;
  }

  health(): Promise<{ status: string }> {
    return this.request("GET", "/v1/health", { auth: false });
  }

  whoami(): Promise<Principal> {
    return this.request("GET", "/v1/whoami");
  }

  createCustomer(input: NewCustomer): Promise<Customer> {
    return this.request("POST", "/v1/customers", { body: input });
  }

  /** GET /v1/customers: `{data, next_cursor}`, or (older APIs) a bare list paged with `after=<last id>`. */
  listCustomers(options: { limit?: number; cursor?: string; q?: string } = {}): Promise<Page<Customer>> {
    return this.page<Customer>("/v1/customers", options, (c, q) =>
      `${c.name} ${c.email}`.toLowerCase().split(/\s+/).some((word) => word.startsWith(q.toLowerCase())) ||
      c.email.toLowerCase().startsWith(q.toLowerCase()) ||
      c.name.toLowerCase().startsWith(q.toLowerCase()),
    );
  }

  private async page<T extends { id: string }>(
    path: string,
    options: { limit?: number; cursor?: string; q?: string; [key: string]: string | number | undefined },
    matches?: (item: T, q: string) => boolean,
  ): Promise<Page<T>> {
    const limit = options.limit ?? 50;
    const { cursor = "", ...rest } = options;
    const legacy = cursor.startsWith(LEGACY_CURSOR);
    const query: Query = { ...rest, limit };
    if (legacy) query["after"] = cursor.slice(LEGACY_CURSOR.length);
    else if (cursor) query["cursor"] = cursor;
    const body = await this.request<unknown>("GET", path, { query });
    if (Array.isArray(body)) {
      const items = body as T[];
      const last = items.at(-1);
      const next = items.length >= limit && last ? `${LEGACY_CURSOR}${last.id}` : null;
      const q = options.q?.trim() ?? "";
      if (q && matches) return { data: items.filter((item) => matches(item, q)), next_cursor: next, filtered_here: true };
      return { data: items, next_cursor: next };
    }
    if (isRecord(body) && Array.isArray(body["data"])) {
      const next = body["next_cursor"];
      return { data: body["data"] as T[], next_cursor: typeof next === "string" && next ? next : null };
    }
    throw new ApiError("invalid-response", `Unexpected reply from ${path}: neither a list nor {data, next_cursor}`);
  }

  getCustomer(id: string): Promise<Customer> {
    return this.request("GET", `/v1/customers/${encodeURIComponent(id)}`);
  }

  ingestBatch(batch: EventBatch): Promise<BatchResult> {
    return this.request("POST", "/v1/events/batch", { body: batch });
  }

  usageTotals(customerId: string, start: string, end: string, aggregation?: UsageAggregation): Promise<UsageTotal[]> {
    return this.request("GET", `/v1/customers/${encodeURIComponent(customerId)}/usage`, { query: { start, end, aggregation } });
  }

  usageWindows(customerId: string, start: string, end: string, window: UsageWindow, aggregation?: UsageAggregation): Promise<UsageBucket[]> {
    return this.request("GET", `/v1/customers/${encodeURIComponent(customerId)}/usage`, {
      query: { start, end, window, aggregation },
    });
  }

  /** Without a unit price (undefined or empty) each draft keeps its own; with one, every draft is re-priced. */
  runBilling(period: string, unitPrice?: string): Promise<BillingRunResult> {
    return this.request("POST", "/v1/invoices/run", { query: { period, unit_price: unitPrice } });
  }

  /** GET /v1/invoices: every customer's invoices, filtered and paged. */
  listAllInvoices(
    options: { status?: string; period?: string; customer_id?: string; limit?: number; cursor?: string } = {},
  ): Promise<Page<Invoice>> {
    return this.page<Invoice>("/v1/invoices", options);
  }

  upcomingInvoice(customerId: string): Promise<InvoicePreview> {
    return this.request("GET", `/v1/customers/${encodeURIComponent(customerId)}/upcoming-invoice`);
  }

  estimate(customerId: string, body: { period: string; plan_id?: string; plan?: NewPlan }): Promise<Estimate> {
    return this.request("POST", `/v1/customers/${encodeURIComponent(customerId)}/estimate`, { body });
  }

  /** The estimate against a plan the user typed as JSON (POST /v1/plans' body), sent as typed: its numbers
   * never become JS numbers. `planJson` must be one JSON object (the caller checks it parses). */
  estimateWithPlanJson(customerId: string, period: string, planJson: string): Promise<Estimate> {
    const bodyText = `{"period": ${JSON.stringify(period)}, "plan": ${planJson}}`;
    return this.request("POST", `/v1/customers/${encodeURIComponent(customerId)}/estimate`, { bodyText });
  }

  /** `cursor` pages the failures, `unpricedCursor` the customers billed with unpriced usage. */
  getBillingRun(id: string, cursor?: string, unpricedCursor?: string): Promise<BillingRun> {
    return this.request("GET", `/v1/billing-runs/${encodeURIComponent(id)}`, { query: { cursor, unpriced_cursor: unpricedCursor } });
  }

  listInvoices(customerId: string): Promise<Invoice[]> {
    return this.request("GET", `/v1/customers/${encodeURIComponent(customerId)}/invoices`);
  }

  getInvoice(id: string): Promise<Invoice> {
    return this.request("GET", `/v1/invoices/${encodeURIComponent(id)}`);
  }

  finalizeInvoice(id: string): Promise<Invoice> {
    return this.request("POST", `/v1/invoices/${encodeURIComponent(id)}/finalize`);
  }

  voidInvoice(id: string): Promise<Invoice> {
    return this.request("POST", `/v1/invoices/${encodeURIComponent(id)}/void`);
  }

  /** The draft replacing a void invoice (made now, or the one made before). */
  reissueInvoice(id: string): Promise<Invoice> {
    return this.request("POST", `/v1/invoices/${encodeURIComponent(id)}/reissue`);
  }

  createPlan(plan: NewPlan): Promise<Plan> {
    return this.request("POST", "/v1/plans", { body: plan });
  }

  /** POST /v1/plans with the user's JSON text as is (the Raw JSON form). */
  createPlanFromJson(json: string): Promise<Plan> {
    return this.request("POST", "/v1/plans", { bodyText: json });
  }

  listPlans(options: { limit?: number; cursor?: string } = {}): Promise<Page<Plan>> {
    return this.page<Plan>("/v1/plans", options);
  }

  getPlan(id: string): Promise<Plan> {
    return this.request("GET", `/v1/plans/${encodeURIComponent(id)}`);
  }

  assignPlan(customerId: string, planId: string): Promise<Customer> {
    return this.request("PUT", `/v1/customers/${encodeURIComponent(customerId)}/plan`, { body: { plan_id: planId } });
  }

  grantCredit(customerId: string, amount: Decimal, description?: string): Promise<CreditGrant> {
    const body: { amount: Decimal; description?: string } = { amount };
    if (description) body.description = description;
    return this.request("POST", `/v1/customers/${encodeURIComponent(customerId)}/credits`, { body });
  }

  getCredits(customerId: string): Promise<CreditLedger> {
    return this.request("GET", `/v1/customers/${encodeURIComponent(customerId)}/credits`);
  }
}
