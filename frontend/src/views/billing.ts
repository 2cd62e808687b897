// Billing: start a run for a period, follow its progress (when the API runs it in the background)
// and see the customers it could not bill, and those it billed with usage no price rates.
import type { BillingFailure, BillingRun, BillingRunResult, UnpricedUsage } from "../api-types.js";
import { adminViewAllowed, customerLink, invoiceLink, pageHeader, type Ctx, type View } from "../context.js";
import { isDecimalString } from "../decimal.js";
import { dataTable, facts, h, link, note, replaceChildren, userTexts, type Column } from "../dom.js";
import { explainError } from "../errors.js";
import { actions, feedback, field, input, onSubmit, ProblemsError, submitting } from "../forms.js";
import { href } from "../routes.js";
import { isPeriod, periodName, previousPeriod } from "../time.js";

async function failureRows(ctx: Ctx, failures: BillingFailure[]): Promise<Node[][]> {
  const customers = await Promise.all(failures.map((f) => ctx.customer(f.customer_id)));
  return failures.map((f, i) => {
    const customer = customers[i];
    return [customerLink(f.customer_id, customer?.name, true), h("span", { class: "failure-reason" }, f.reason)];
  });
}

const FAILURE_COLUMNS: Column[] = [{ label: "Customer", kind: "key" }, { label: "Reason" }];

function failuresTable(rows: Node[][]): HTMLTableElement {
  return dataTable({ id: "billing-failures" }, "Customers it could not bill", FAILURE_COLUMNS, rows);
}

/** A "Show more" button under a table: each click appends the rows of the page at `cursor` (next page: null). */
function showMore(block: HTMLElement, table: HTMLTableElement, columns: Column[], label: string, id: string, cursor: string, next: (cursor: string) => Promise<{ rows: Node[][]; cursor: string | null }>): void {
  let at: string | null = cursor;
  const more = h("button", { type: "button", class: "secondary" }, label);
  const { alert } = feedback(id);
  more.addEventListener("click", () => {
    void submitting(block, alert, async () => {
      if (!at) return;
      const page = await next(at);
      const body = table.tBodies[0];
      for (const cells of page.rows) {
        const row = dataTable({}, "", columns, [cells]).tBodies[0]?.rows[0];
        if (row && body) body.append(row);
      }
      at = page.cursor;
      if (!at) more.remove();
    });
  });
  block.append(actions(more), alert);
}

/** The customers a run could not bill, a page at a time ("Show more" asks for the next). */
async function failuresBlock(ctx: Ctx, run: BillingRun): Promise<HTMLElement> {
  const block = h("div", { class: "billing-failures" });
  if (run.failures.length === 0) {
    block.append(note(run.status === "done" ? "Every customer with something to bill was billed." : "No customer has failed so far.", "empty"));
    return block;
  }
  const table = failuresTable(await failureRows(ctx, run.failures));
  block.append(h("p", {}, "These customers were skipped: fix their data and run billing again (billed customers are not billed twice)."), table);
  if (run.next_cursor) {
    showMore(block, table, FAILURE_COLUMNS, "Show more customers it could not bill", "billing-failures-more", run.next_cursor, async (cursor) => {
      const page = await ctx.api.getBillingRun(run.id, cursor);
      return { rows: await failureRows(ctx, page.failures), cursor: page.next_cursor ?? null };
    });
  }
  return block;
}

const UNPRICED_COLUMNS: Column[] = [{ label: "Customer", kind: "key" }, { label: "Invoice" }, { label: "Features without a price" }];

async function unpricedRows(ctx: Ctx, items: UnpricedUsage[]): Promise<Node[][]> {
  const customers = await Promise.all(items.map((u) => ctx.customer(u.customer_id)));
  return items.map((u, i) => {
    const customer = customers[i];
    return [customerLink(u.customer_id, customer?.name, true), invoiceLink(u.invoice_id), h("span", { class: "unpriced-features" }, userTexts(u.features))];
  });
}

/** The warning for usage a run billed at no price: how many customers, their features, each one's draft. */
async function unpricedBlock(ctx: Ctx, count: number, items: UnpricedUsage[], nextPage?: (cursor: string) => Promise<BillingRun>, cursor?: string | null): Promise<HTMLElement | null> {
  if (count === 0 && items.length === 0) return null;
  const customers = Math.max(count, items.length);
  const features = [...new Set(items.flatMap((u) => u.features))].sort();
  const more = cursor ? ", …" : "";
  const block = h(
    "div",
    { class: "billing-unpriced" },
    note([`${customers} customer${customers === 1 ? " has" : "s have"} usage with no price: `, ...userTexts(features), more], "warning", { id: "billing-unpriced-warning" }),
    h("p", {}, "No plan of theirs prices these features and their draft has no unit price, so they are listed at 0.00 (no price set). Run billing again with a unit price, or move the customers to a plan that prices them."),
  );
  const table = dataTable({ id: "billing-unpriced" }, "Customers billed with usage no price rates", UNPRICED_COLUMNS, await unpricedRows(ctx, items));
  block.append(table);
  if (cursor && nextPage) {
    showMore(block, table, UNPRICED_COLUMNS, "Show more customers with usage with no price", "billing-unpriced-more", cursor, async (at) => {
      const page = await nextPage(at);
      return { rows: await unpricedRows(ctx, page.unpriced_usage ?? []), cursor: page.unpriced_usage_next_cursor ?? null };
    });
  }
  return block;
}

async function runProgress(ctx: Ctx, run: BillingRun): Promise<HTMLElement> {
  const done = run.customers_billed + run.customers_failed;
  const state =
    run.status === "done" ? "done" : run.status === "failed" ? `failed: ${run.failure_reason ?? "no reason given"}` : `running: ${done} of ${run.customers_queued} customers so far`;
  return h(
    "div",
    { id: "billing-progress" },
    h("h3", {}, `Run of ${periodName(run.period)}: ${state}`),
    h("label", { for: "billing-progress-bar" }, "Customers done"),
    h("progress", { id: "billing-progress-bar", max: Math.max(1, run.customers_queued), value: run.status === "done" ? Math.max(1, run.customers_queued) : done }, `${done} of ${run.customers_queued}`),
    facts([
      ["Customers queued", String(run.customers_queued)],
      ["Billed", String(run.customers_billed)],
      ["Could not bill", String(run.customers_failed)],
      ["Run", link(href({ view: "billing", run: run.id }), run.id)],
    ]),
    await failuresBlock(ctx, run),
    await unpricedBlock(ctx, run.customers_with_unpriced_usage ?? 0, run.unpriced_usage ?? [], (cursor) => ctx.api.getBillingRun(run.id, undefined, cursor), run.unpriced_usage_next_cursor),
  );
}

async function follow(ctx: Ctx, id: string, into: HTMLElement): Promise<void> {
  for (;;) {
    let run: BillingRun;
    try {
      run = await ctx.api.getBillingRun(id);
    } catch (error) {
      if (!ctx.alive()) return;
      into.append(h("div", { class: "form-alert", role: "alert" }, h("p", {}, explainError(error).summary)));
      return;
    }
    const view = await runProgress(ctx, run);
    if (!ctx.alive()) return;
    replaceChildren(into, view);
    if (run.status !== "running") return;
    await new Promise((resolve) => window.setTimeout(resolve, 1000));
  }
}

function runResult(ctx: Ctx, result: BillingRunResult): HTMLElement {
  const background = result.status === "running";
  const out = h(
    "section",
    { class: "card", id: "billing-result", "aria-labelledby": "billing-result-title" },
    h("h2", { id: "billing-result-title" }, `Billing run for ${periodName(result.period)}`),
    h(
      "p",
      { id: "billing-summary" },
      background
        ? `${result.customers_queued ?? "Every"} customer${result.customers_queued === 1 ? "" : "s"} queued; they are billed in the background.`
        : `${result.invoices_generated} draft invoice${result.invoices_generated === 1 ? "" : "s"} created or recomputed. Drafts change until they are finalized.`,
    ),
  );
  if (result.invoice_ids.length) {
    out.append(h("ul", { class: "link-list", "aria-label": "Invoices of this run" }, result.invoice_ids.slice(0, 50).map((id) => h("li", {}, invoiceLink(id)))));
  }
  if (result.invoices_generated > 50 || background) {
    out.append(h("p", {}, link(href({ view: "invoices", status: "", period: result.period, customer: "", cursor: "" }), `All invoices of ${periodName(result.period)}`)));
  }
  const progress = h("div", { "aria-live": "polite" });
  out.append(progress);
  if (result.billing_run_id) void follow(ctx, result.billing_run_id, progress);
  else {
    if (result.failures?.length) {
      const failures = result.failures;
      void failureRows(ctx, failures).then((rows) => ctx.alive() && progress.append(failuresTable(rows)));
    }
    const unpriced = result.unpriced_usage ?? [];
    void unpricedBlock(ctx, unpriced.length, unpriced).then((block) => block && ctx.alive() && progress.append(block));
  }
  return out;
}

export const billingView: View = async (ctx, route, root) => {
  if (route.view !== "billing") return;
  root.append(pageHeader("Billing"));
  if (!adminViewAllowed(root, "Billing")) return;
  const period = field("billing-period", "Period (YYYY-MM)", input({ value: previousPeriod(), inputmode: "numeric" }), "Each customer's calendar month in their own timezone. Defaults to last month, which the events form's default timestamp falls in.");
  const unitPrice = field(
    "billing-unit-price",
    "Unit price for usage without a plan price",
    input({ inputmode: "decimal", placeholder: "keep each draft's" }),
    "Optional. Leave it empty and each draft keeps the unit price it was rated with (a new draft then lists such usage at 0.00, no price set); a price re-prices every draft of the period.",
  );
  const { alert, status } = feedback("billing");
  const result = h("div", { id: "billing-output" });
  const form = h(
    "form",
    { class: "card form", id: "billing-form", novalidate: true, "aria-labelledby": "billing-form-title" },
    h("h2", { id: "billing-form-title" }, "Start a run"),
    h("p", { class: "hint" }, "Creates or recomputes the period's draft invoices. Finalized invoices never change; running twice never bills twice."),
    h("div", { class: "grid" }, period.wrap, unitPrice.wrap),
    actions(h("button", { type: "submit" }, "Run billing")),
    alert,
    status,
  );
  const controls: Record<string, HTMLElement> = { period: period.control, unit_price: unitPrice.control };
  onSubmit(
    form,
    alert,
    async () => {
      const problems = [];
      if (!isPeriod(period.control.value)) problems.push({ path: "period", message: "must be a month such as 2025-09" });
      const price = unitPrice.control.value.trim();
      if (price !== "" && !isDecimalString(price)) problems.push({ path: "unit_price", message: "must be a number such as 0.01, or empty to keep each draft's" });
      if (problems.length) throw new ProblemsError(problems);
      status.textContent = "Billing…";
      const res = await ctx.api.runBilling(period.control.value.trim(), price === "" ? undefined : price);
      status.textContent = "Done.";
      replaceChildren(result, runResult(ctx, res));
    },
    { status, labels: { period: "Period", unit_price: "Unit price" }, resolve: (p) => controls[p] },
  );
  root.append(form, result);
  if (route.run) {
    const progress = h("div", { "aria-live": "polite" }, h("p", {}, "Loading the run…"));
    root.append(h("section", { class: "card", id: "billing-run", "aria-labelledby": "billing-run-title" }, h("h2", { id: "billing-run-title" }, `Billing run ${route.run}`), progress));
    void follow(ctx, route.run, progress);
  }
};
