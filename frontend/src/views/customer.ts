// A customer's page: who they are, their plan and timezone, the current period's usage with its live
// cost (the upcoming invoice), their invoices and credits, and the what-if estimator.
import { ApiError, type ApiClient } from "../api.js";
import type { CreditLedger, Customer, Estimate, Invoice, InvoicePreview, Plan, UsageAggregation, UsageBucket, UsageTotal } from "../api-types.js";
import { fillWindows } from "../chart-scale.js";
import { usageCharts } from "../chart.js";
import { invoiceLink, isAdmin, loadDetail, pageHeader, type Ctx, type View } from "../context.js";
import { formatMoney, isDecimalString, isZeroDecimal, subtractDecimals, sumDecimals } from "../decimal.js";
import { badge, dataTable, facts, h, isolated, link, note, replaceChildren, userText } from "../dom.js";
import { explainError } from "../errors.js";
import { actions, feedback, field, input, onSubmit, ProblemsError, select } from "../forms.js";
import { linesTable } from "../invoice-lines.js";
import { PLAN_LABELS } from "../plan-model.js";
import { href } from "../routes.js";
import { currentPeriod, describePeriod, formatInZone, formatLocal, isPeriod, localDayStarts, periodBounds, shiftPeriod } from "../time.js";

function section(id: string, title: string, ...children: (Node | null)[]): HTMLElement {
  return h("section", { class: "card", id, "aria-labelledby": `${id}-title` }, h("h2", { id: `${id}-title` }, title), ...children);
}

function failure(error: unknown): HTMLElement {
  return h("div", { class: "form-alert", role: "alert" }, h("p", {}, explainError(error).summary));
}

/** True when the usage route refused `aggregation=billed` for this range (too many events to count distinct values). */
function refusedAsBilled(error: unknown): boolean {
  return error instanceof ApiError && error.status === 400 && error.fields.some((f) => f.field === "aggregation");
}

interface PeriodUsage {
  rows: UsageBucket[];
  totals: UsageTotal[];
  /** Read as sums because the range was refused as billed. */
  summed: boolean;
}

/** The period's usage per day and whole, each feature aggregated as the customer's plan bills it. */
async function periodUsage(api: ApiClient, customerId: string, start: string, end: string): Promise<PeriodUsage> {
  const read = (aggregation: UsageAggregation) =>
    Promise.all([api.usageWindows(customerId, start, end, "day", aggregation), api.usageTotals(customerId, start, end, aggregation)]);
  try {
    const [rows, totals] = await read("billed");
    return { rows, totals, summed: false };
  } catch (error) {
    if (!refusedAsBilled(error)) throw error;
    const [rows, totals] = await read("sum");
    return { rows, totals, summed: true };
  }
}

interface PeriodRead {
  period: string;
  /** The local day starts of the period up to now. */
  windows: Date[];
  usage: PromiseSettledResult<PeriodUsage>;
  /** The upcoming invoice: the current period's only (null for another). */
  upcoming: PromiseSettledResult<InvoicePreview | null>;
}

/** A period's usage per day and, for the current period, its live cost; each may fail on its own. */
async function readPeriod(api: ApiClient, customer: Customer, period: string): Promise<PeriodRead> {
  const { start, end } = periodBounds(period, customer.timezone);
  const now = new Date();
  const last = now < end ? now : end;
  const windows = localDayStarts(start, last > start ? last : end, customer.timezone);
  const [usage, upcoming] = await Promise.allSettled([
    periodUsage(api, customer.id, start.toISOString(), end.toISOString()),
    period === currentPeriod(now, customer.timezone) ? api.upcomingInvoice(customer.id) : null,
  ]);
  return { period, windows, usage, upcoming };
}

function periodView(customer: Customer, { period, windows, usage, upcoming }: PeriodRead): Node[] {
  const parts: Node[] = [h("p", { class: "period-line" }, describePeriod(period, customer.timezone))];
  if (upcoming.status === "fulfilled" && upcoming.value) {
    const inv = upcoming.value;
    parts.push(
      h(
        "p",
        { class: "live-cost" },
        "Cost so far: ",
        h("strong", { id: "live-cost" }, formatMoney(inv.subtotal, inv.currency)),
        isZeroDecimal(inv.credits_applied) ? "" : `, ${formatMoney(inv.total, inv.currency)} after ${formatMoney(inv.credits_applied, inv.currency)} of prepaid credit`,
        ` (the upcoming invoice as of ${formatInZone(inv.as_of, customer.timezone, false)}, not yet billed)`,
      ),
      h("details", {}, h("summary", {}, "Upcoming invoice lines"), linesTable(inv, "Upcoming invoice", "upcoming-lines")),
    );
  } else if (upcoming.status === "rejected") parts.push(failure(upcoming.reason));
  if (usage.status === "fulfilled") {
    const labels = windows.map((w) => formatLocal(w, customer.timezone, true).slice(5));
    const { rows, totals, summed } = usage.value;
    if (summed) {
      parts.push(note("This period has too many events to count unique values on the fly: every feature is shown summed, not as the plan bills it.", "warning"));
    }
    parts.push(usageCharts(fillWindows(rows, windows, (a, b) => sumDecimals([a, b]), [], totals), labels, customer.timezone, "customer", !summed));
  } else parts.push(failure(usage.reason));
  return parts;
}

async function showPeriod(ctx: Ctx, customer: Customer, period: string, body: HTMLElement): Promise<void> {
  const read = await readPeriod(ctx.api, customer, period);
  if (ctx.alive()) replaceChildren(body, periodView(customer, read));
}

function invoicesBlock(invoices: Invoice[], zone: string): HTMLElement {
  if (invoices.length === 0) return note("No invoices yet. Billing runs create them.", "empty");
  const sorted = [...invoices].sort((a, b) => b.period.localeCompare(a.period) || (b.issue ?? 0) - (a.issue ?? 0));
  return dataTable(
    { id: "customer-invoices" },
    `${sorted.length} invoice${sorted.length === 1 ? "" : "s"}`,
    [{ label: "Period", kind: "key" }, { label: "Number" }, { label: "Status" }, { label: "Total", kind: "num" }, { label: "Issued" }],
    sorted.map((inv) => [
      invoiceLink(inv.id, inv.issue ? `${inv.period} invoice, reissue ${inv.issue}` : `${inv.period} invoice`),
      inv.number ?? "—",
      badge(inv.status),
      formatMoney(inv.total, inv.currency),
      inv.finalized_at ? formatInZone(inv.finalized_at, zone, true) : "not yet",
    ]),
    true,
  );
}

function ledgerView(ledger: CreditLedger, zone: string): Node[] {
  return [
    h("p", {}, "Balance: ", h("strong", { id: "credit-balance" }, formatMoney(ledger.balance, ledger.currency))),
        ledger.entries.length
          ? dataTable(
              { id: "credit-entries" },
              "Credit entries",
              [{ label: "Date", kind: "key" }, { label: "Type" }, { label: "Amount", kind: "num" }, { label: "Description" }],
              ledger.entries.map((e) => [
                formatInZone(e.created_at, zone, true),
                e.type,
                formatMoney(e.amount, e.currency),
                e.description ? userText(e.description) : e.invoice_id ? invoiceLink(e.invoice_id) : "",
              ]),
              true,
            )
          : note("No credit granted yet.", "empty"),
  ];
}

function creditsBlock(ctx: Ctx, customer: Customer): HTMLElement {
  const body = h("div", {}, h("p", {}, "Loading credits…"));
  const load = async (): Promise<void> => {
    try {
      const ledger = await ctx.api.getCredits(customer.id);
      if (ctx.alive()) replaceChildren(body, ledgerView(ledger, customer.timezone));
    } catch (error) {
      if (ctx.alive()) replaceChildren(body, failure(error));
    }
  };
  void load();
  const block = section("credits", "Prepaid credit", body);
  if (isAdmin()) block.append(grantForm(ctx, customer, load));
  return block;
}

/** An administrator's grant of prepaid credit; `granted` reads the ledger again. */
function grantForm(ctx: Ctx, customer: Customer, granted: () => Promise<void>): HTMLFormElement {
  const amount = field("credit-amount", "Amount", input({ inputmode: "decimal", placeholder: "25.00" }), `In ${customer.currency ?? "the plan's currency"}; used up by the next finalized invoices.`);
  const description = field("credit-description", "Description (optional)", input());
  const { alert, status } = feedback("credit");
  const form = h("form", { class: "form", id: "credit-form", novalidate: true, "aria-label": "Grant credit" }, h("div", { class: "grid" }, amount.wrap, description.wrap), actions(h("button", { type: "submit" }, "Grant credit")), alert, status);
  const controls: Record<string, HTMLElement> = { amount: amount.control, description: description.control };
  onSubmit(
    form,
    alert,
    async () => {
      const value = amount.control.value.trim();
      if (!isDecimalString(value) || value.startsWith("-")) throw new ProblemsError([{ path: "amount", message: "must be a positive amount such as 25.00" }]);
      const grant = await ctx.api.grantCredit(customer.id, value, description.control.value.trim() || undefined);
      form.reset();
      status.textContent = `Granted ${formatMoney(grant.amount, grant.currency)}. Balance: ${formatMoney(grant.balance, grant.currency)}.`;
      await granted();
    },
    { status, labels: { amount: "Amount", description: "Description" }, resolve: (p) => controls[p] },
  );
  return form;
}

function planBlock(ctx: Ctx, customer: Customer, plans: Plan[] | null): HTMLElement {
  const current = plans?.find((p) => p.id === customer.plan_id);
  const block = section(
    "plan",
    "Plan",
    h(
      "p",
      { id: "customer-plan" },
      customer.plan_id ? link(href({ view: "plan", id: customer.plan_id }), current ? [userText(current.name), ` (${customer.plan_id})`] : customer.plan_id) : "No plan: usage is billed at the billing run's unit price.",
    ),
  );
  if (isAdmin() && plans) block.append(assignForm(ctx, customer, plans));
  return block;
}

function assignForm(ctx: Ctx, customer: Customer, plans: Plan[]): HTMLFormElement {
  const choice = field("assign-plan", "New plan", select([["", "— Choose a plan —"], ...plans.map((p): [string, string] => [p.id, `${isolated(p.name)} · ${p.currency} · ${p.id}`])], ""), "From the next billing run on; invoices already finalized do not change.");
  const { alert, status } = feedback("assign");
  const form = h("form", { class: "form", id: "assign-form", novalidate: true, "aria-label": "Change plan" }, choice.wrap, actions(h("button", { type: "submit" }, "Change plan")), alert, status);
  onSubmit(
    form,
    alert,
    async () => {
      if (!choice.control.value) throw new ProblemsError([{ path: "plan_id", message: "is required: choose a plan" }]);
      const updated = await ctx.api.assignPlan(customer.id, choice.control.value);
      ctx.remember(updated);
      ctx.navigate({ view: "customer", id: customer.id });
      status.textContent = `Now on plan ${updated.plan_id ?? ""}.`;
    },
    { labels: { plan_id: "New plan" }, resolve: () => choice.control },
  );
  return form;
}

const DESCRIBED = "describe";
const PLAN_EXAMPLE = '{"name": "What if", "currency": "USD", "amount": "10.00", "prices": [{"feature": "api_calls", "model": "per_unit", "unit_amount": "0.002"}]}';

function estimator(ctx: Ctx, customer: Customer, plans: Plan[] | null): HTMLElement {
  // An administrator compares with any stored plan or one described here; a customer's key may read no other
  // stored plan, so it describes the plan to compare with.
  const others = isAdmin() ? (plans ?? []).filter((p) => p.id !== customer.plan_id) : [];
  const period = field("estimate-period", "Period (YYYY-MM)", input({ value: shiftPeriod(currentPeriod(new Date(), customer.timezone), -1), inputmode: "numeric" }), `A calendar month in ${customer.timezone}.`);
  const choices: [string, string][] = [...(others.length ? [["", "— Choose a plan —"] as [string, string]] : []), ...others.map((p): [string, string] => [p.id, `${isolated(p.name)} · ${p.id}`]), [DESCRIBED, "A plan described below (JSON)"]];
  const plan = field("estimate-plan", "Other plan", select(choices, others.length ? "" : DESCRIBED));
  const described = field(
    "estimate-plan-json",
    "Plan to compare with (JSON)",
    h("textarea", { rows: 4, spellcheck: "false", placeholder: PLAN_EXAMPLE }),
    "The body of a new plan (name, currency, amount, minimum_amount, prices), as the API's POST /v1/plans takes it. Nothing is saved.",
  );
  const showDescribed = (): void => {
    described.wrap.hidden = plan.control.value !== DESCRIBED;
  };
  plan.control.addEventListener("change", showDescribed);
  showDescribed();
  const { alert } = feedback("estimate");
  const result = h("div", { id: "estimate-result", "aria-live": "polite" });
  const form = h("form", { class: "form", id: "estimate-form", novalidate: true, "aria-label": "What-if estimate" }, h("div", { class: "grid" }, period.wrap, plan.wrap), described.wrap, actions(h("button", { type: "submit" }, "Estimate")), alert, result);
  const controls: Record<string, HTMLElement> = { period: period.control, plan_id: plan.control, plan: described.control };
  onSubmit(
    form,
    alert,
    async () => {
      result.replaceChildren();
      const problems = [];
      const month = period.control.value.trim();
      const text = described.control.value.trim();
      if (!isPeriod(month)) problems.push({ path: "period", message: "must be a month such as 2025-09" });
      if (!plan.control.value) problems.push({ path: "plan_id", message: "is required: choose the plan to compare with" });
      if (plan.control.value === DESCRIBED && !isJsonObject(text)) problems.push({ path: "plan", message: `must be a plan as JSON, e.g. ${PLAN_EXAMPLE}` });
      if (problems.length) throw new ProblemsError(problems);
      const e = plan.control.value === DESCRIBED ? await ctx.api.estimateWithPlanJson(customer.id, month, text) : await ctx.api.estimate(customer.id, { period: month, plan_id: plan.control.value });
      replaceChildren(result, estimateView(e, customer.timezone));
    },
    {
      labels: { ...PLAN_LABELS, period: "Period", plan_id: "Other plan", plan: "Plan to compare with" },
      resolve: (p) => controls[p] ?? (p.startsWith("plan") ? described.control : undefined),
    },
  );
  return section("what-if", "What if: another plan", h("p", { class: "hint" }, "Rates a period's usage under another plan, side by side with the customer's own."), form);
}

/** The period's cost on the other plan against the customer's own, and both invoices' lines side by side. */
function estimateView(e: Estimate, zone: string): Node[] {
  const diff = subtractDecimals(e.estimate.total, e.current.total);
  const sameCurrency = e.estimate.currency === e.current.currency;
  return [
    h(
      "p",
      { id: "estimate-summary" },
      `${describePeriod(e.period, zone)}: on ${e.estimate.plan_name ?? "the other plan"} the period would cost `,
      h("strong", {}, formatMoney(e.estimate.total, e.estimate.currency)),
      ` instead of ${formatMoney(e.current.total, e.current.currency)} on ${e.current.plan_name ?? "no plan"}${sameCurrency ? ` (${diff.startsWith("-") ? "" : "+"}${diff})` : ""}. Plan fee, usage and minimum only; nothing is saved.`,
    ),
    h("div", { class: "side-by-side" }, linesTable(e.current, `Own plan: ${e.current.plan_name ?? "none"}`, "estimate-current"), linesTable(e.estimate, `Other plan: ${e.estimate.plan_name ?? ""}`, "estimate-other")),
  ];
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** The plans the page offers: an administrator chooses among every plan; a customer's key may read its own only. */
async function plansFor(ctx: Ctx, customer: Customer): Promise<Plan[] | null> {
  if (isAdmin()) return ctx.api.listPlans({ limit: 500 }).then((p) => p.data, () => null);
  return customer.plan_id ? ctx.api.getPlan(customer.plan_id).then((p) => [p], () => null) : null;
}

function periodForm(ctx: Ctx, customer: Customer, usageBody: HTMLElement): HTMLFormElement {
  const period = field("usage-period", "Period (YYYY-MM)", input({ value: currentPeriod(new Date(), customer.timezone), inputmode: "numeric" }));
  const { alert } = feedback("usage");
  const form = h("form", { class: "inline-form", novalidate: true, "aria-label": "Usage period" }, period.wrap, actions(h("button", { type: "submit", class: "secondary" }, "Show period")), alert);
  onSubmit(
    form,
    alert,
    async () => {
      if (!isPeriod(period.control.value)) throw new ProblemsError([{ path: "period", message: "must be a month such as 2025-09" }]);
      await showPeriod(ctx, customer, period.control.value.trim(), usageBody);
    },
    { labels: { period: "Period" }, resolve: () => period.control },
  );
  return form;
}

function profile(customer: Customer): HTMLElement {
  return section(
    "profile",
    "Details",
    facts([
      ["Customer ID", h("code", {}, customer.id)],
      ["Timezone", customer.timezone],
      ["Currency", customer.currency ?? "USD"],
      ["Customer since", formatInZone(customer.created_at, customer.timezone, true)],
    ]),
  );
}

export const customerView: View = async (ctx, route, root) => {
  if (route.view !== "customer") return;
  const notFound = [note(`There is no customer ${route.id}.`, "warning"), h("p", {}, link(href({ view: "customers", q: "", cursor: "" }), "All customers"))];
  const customer = await loadDetail(ctx, root, { title: "Customer", needsKey: "A customer's page", notFound }, () => ctx.api.getCustomer(route.id));
  if (!customer) return;
  ctx.remember(customer);
  const plans = await plansFor(ctx, customer);
  if (!ctx.alive()) return;

  const usageBody = h("div", { id: "usage-body", "aria-live": "polite" }, h("p", {}, "Loading usage…"));
  const invoices = h("div", {}, h("p", {}, "Loading invoices…"));
  root.append(
    pageHeader(userText(customer.name), h("p", { class: "subtitle" }, userText(customer.email))),
    profile(customer),
    planBlock(ctx, customer, plans),
    section("usage", "Usage and cost", periodForm(ctx, customer, usageBody), usageBody),
    section("invoices", "Invoices", invoices),
    creditsBlock(ctx, customer),
  );
  root.append(estimator(ctx, customer, plans));
  root.append(h("p", {}, link(href({ view: "events", customer: customer.id }), "Send events for this customer")));
  await Promise.all([
    showPeriod(ctx, customer, currentPeriod(new Date(), customer.timezone), usageBody).catch((error: unknown) => {
      if (ctx.alive()) replaceChildren(usageBody, failure(error));
    }),
    ctx.api.listInvoices(customer.id).then(
      (list) => ctx.alive() && replaceChildren(invoices, invoicesBlock(list, customer.timezone)),
      (error: unknown) => ctx.alive() && replaceChildren(invoices, failure(error)),
    ),
  ]);
};
