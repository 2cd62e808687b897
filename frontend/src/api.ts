// Typed fetch client for the billing API (/v1/*). Each method names its route as the OpenAPI document does,
// and the route's parameters, body and reply are typed by that document (openapi.d.ts, generated), so a
// route the API renames or a reply it reshapes fails `tsc`. The names the views use are in api-types.ts.
//
// Money and quantities are decimal STRINGS on the wire and stay strings here:
// nothing in this module turns them into JS numbers.
import type {
  BillingRun,
  CreditGrant,
  Estimate,
  FieldError,
  InvoiceStatus,
  NewPlan,
  Plan,
  UsageAggregation,
  UsageBucket,
  UsageTotal,
  UsageWindow,
} from "./api-types.js";
import type { paths } from "./openapi.js";

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

type Method = "get" | "post" | "put" | "delete";
/** The routes of the document that answer `M`. */
type PathOf<M extends Method> = { [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never }[keyof paths];
type Operation<P extends keyof paths, M extends Method> = paths[P][M];
type JsonOf<R> = R extends { content: { "application/json": infer T } } ? T : never;
/** The JSON of a route's success replies. */
type Reply<O> = O extends { responses: infer R } ? { [C in keyof R & (200 | 201)]: JsonOf<R[C]> }[keyof R & (200 | 201)] : never;
type PathParams<O> = O extends { parameters: { path: infer T } } ? T : never;
type QueryParams<O> = O extends { parameters: { query?: infer T } } ? T : never;
type Body<O> = O extends { requestBody?: infer R } ? JsonOf<NonNullable<R>> : never;

interface CallOptions<O> {
  params?: PathParams<O>;
  query?: QueryParams<O>;
  body?: Body<O>;
  /** A JSON body sent verbatim (typed by the user), so its numbers are never read as JS numbers. */
  bodyText?: string;
  /** Send the Authorization header (default true). */
  auth?: boolean;
}

type Query = Record<string, string | number | null | undefined>;

export function buildUrl(baseUrl: string, path: string, query?: Query): string {
  const base = baseUrl.trim().replace(/\/+$/, "");
  let url = `${base}${path}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
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

/** "/v1/customers/{customer_id}" with `{customer_id: "cus 1"}` -> "/v1/customers/cus%201". */
function fillPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ""));
}

export class ApiClient {
  constructor(private readonly getConfig: () => ApiConfig) {}

  /** One request to a route of the document; resolves to its reply's JSON, rejects with an ApiError. */
  async call<M extends Method, P extends PathOf<M>>(
    method: M,
    path: P,
    options: CallOptions<Operation<P, M>> = {},
  ): Promise<Reply<Operation<P, M>>> {
    const config = this.getConfig();
    const url = buildUrl(config.baseUrl, fillPath(path, options.params as Record<string, string> | undefined), options.query as Query | undefined);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (options.auth !== false) headers["Authorization"] = `Bearer ${config.apiKey}`;
    const init: RequestInit = { method: method.toUpperCase(), headers };
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
    return body as Reply<Operation<P, M>>;
  }

  whoami() {
    return this.call("get", "/v1/whoami");
  }

  createCustomer(input: { name: string; email: string; timezone?: string }) {
    return this.call("post", "/v1/customers", { body: input });
  }

  /** GET /v1/customers: a page of customers, searched by name or email prefix. */
  listCustomers(options: { limit?: number; cursor?: string; q?: string } = {}) {
    return this.call("get", "/v1/customers", { query: { ...options, limit: options.limit ?? 50 } });
  }

  getCustomer(id: string) {
    return this.call("get", "/v1/customers/{customer_id}", { params: { customer_id: id } });
  }

  /** POST /v1/events/batch with the JSON the user typed, as is: its numbers never become JS numbers. */
  ingestBatchJson(bodyText: string) {
    return this.call("post", "/v1/events/batch", { bodyText });
  }

  usageTotals(customerId: string, start: string, end: string, aggregation?: UsageAggregation): Promise<UsageTotal[]> {
    return this.call("get", "/v1/customers/{customer_id}/usage", { params: { customer_id: customerId }, query: { start, end, aggregation } });
  }

  usageWindows(customerId: string, start: string, end: string, window: UsageWindow, aggregation?: UsageAggregation): Promise<UsageBucket[]> {
    return this.call("get", "/v1/customers/{customer_id}/usage", { params: { customer_id: customerId }, query: { start, end, window, aggregation } }) as Promise<UsageBucket[]>;
  }

  /** Without a unit price (undefined or empty) each draft keeps its own; with one, every draft is re-priced. */
  runBilling(period: string, unitPrice?: string) {
    return this.call("post", "/v1/invoices/run", { query: { period, unit_price: unitPrice } });
  }

  /** GET /v1/invoices: every customer's invoices, filtered and paged. A status the API does not know is its
   * 400 to show, as any other refused filter. */
  listAllInvoices(options: { status?: string; period?: string; customer_id?: string; limit?: number; cursor?: string } = {}) {
    const status = options.status as InvoiceStatus | undefined;
    return this.call("get", "/v1/invoices", { query: { ...options, status, limit: options.limit ?? 50 } });
  }

  upcomingInvoice(customerId: string) {
    return this.call("get", "/v1/customers/{customer_id}/upcoming-invoice", { params: { customer_id: customerId } });
  }

  estimate(customerId: string, body: { period: string; plan_id?: string; plan?: NewPlan }): Promise<Estimate> {
    return this.call("post", "/v1/customers/{customer_id}/estimate", { params: { customer_id: customerId }, body });
  }

  /** The estimate against a plan the user typed as JSON (POST /v1/plans' body), sent as typed: its numbers
   * never become JS numbers. `planJson` must be one JSON object (the caller checks it parses). */
  estimateWithPlanJson(customerId: string, period: string, planJson: string): Promise<Estimate> {
    const bodyText = `{"period": ${JSON.stringify(period)}, "plan": ${planJson}}`;
    return this.call("post", "/v1/customers/{customer_id}/estimate", { params: { customer_id: customerId }, bodyText });
  }

  /** `cursor` pages the failures, `unpricedCursor` the customers billed with unpriced usage. */
  getBillingRun(id: string, cursor?: string, unpricedCursor?: string): Promise<BillingRun> {
    return this.call("get", "/v1/billing-runs/{run_id}", { params: { run_id: id }, query: { cursor, unpriced_cursor: unpricedCursor } });
  }

  listInvoices(customerId: string) {
    return this.call("get", "/v1/customers/{customer_id}/invoices", { params: { customer_id: customerId } });
  }

  getInvoice(id: string) {
    return this.call("get", "/v1/invoices/{invoice_id}", { params: { invoice_id: id } });
  }

  finalizeInvoice(id: string) {
    return this.call("post", "/v1/invoices/{invoice_id}/finalize", { params: { invoice_id: id } });
  }

  voidInvoice(id: string) {
    return this.call("post", "/v1/invoices/{invoice_id}/void", { params: { invoice_id: id } });
  }

  /** The draft replacing a void invoice (made now, or the one made before). */
  reissueInvoice(id: string) {
    return this.call("post", "/v1/invoices/{invoice_id}/reissue", { params: { invoice_id: id } });
  }

  // A plan's prices are objects the document leaves open (the API's pricing factory checks them): the
  // dashboard reads them as docs/pricing.md describes them (prices.ts).

  createPlan(plan: NewPlan): Promise<Plan> {
    return this.call("post", "/v1/plans", { body: plan }) as Promise<Plan>;
  }

  listPlans(options: { limit?: number; cursor?: string } = {}): Promise<{ data: Plan[]; next_cursor: string | null }> {
    return this.call("get", "/v1/plans", { query: { ...options, limit: options.limit ?? 50 } }) as Promise<{ data: Plan[]; next_cursor: string | null }>;
  }

  getPlan(id: string): Promise<Plan> {
    return this.call("get", "/v1/plans/{plan_id}", { params: { plan_id: id } }) as Promise<Plan>;
  }

  assignPlan(customerId: string, planId: string) {
    return this.call("put", "/v1/customers/{customer_id}/plan", { params: { customer_id: customerId }, body: { plan_id: planId } });
  }

  grantCredit(customerId: string, amount: string, description?: string): Promise<CreditGrant> {
    return this.call("post", "/v1/customers/{customer_id}/credits", { params: { customer_id: customerId }, body: description ? { amount, description } : { amount } });
  }

  getCredits(customerId: string) {
    return this.call("get", "/v1/customers/{customer_id}/credits", { params: { customer_id: customerId } });
  }
}
