// Billing: start a run for a period, follow its progress (when the API runs it in the background)
// and see the customers it could not bill.
import type { BillingRun, BillingRunResult } from "../api.js";
import { customerLink, hasKey, invoiceLink, isAdmin, noKeyNotice, pageHeader, type Ctx, type View } from "../context.js";
import { isDecimalString } from "../decimal.js";
import { dataTable, facts, h, link, note, replaceChildren } from "../dom.js";
import { explainError, isMissingRoute } from "../errors.js";
import { actions, feedback, field, input, ProblemsError, submitting } from "../forms.js";
import { href } from "../routes.js";
import { isPeriod, periodName, previousPeriod } from "../time.js";

function runProgress(run: BillingRun): HTMLElement {
  const done = run.customers_billed + run.customers_failed;
  return h(
    "div",
    { id: "billing-progress" },
    h("label", { for: "billing-progress-bar" }, `Run ${run.id}: ${run.status === "done" ? "done" : "running"}`),
    h("progress", { id: "billing-progress-bar", max: Math.max(1, run.customers_queued), value: done }, `${done} of ${run.customers_queued}`),
    facts([
      ["Customers queued", String(run.customers_queued)],
      ["Billed", String(run.customers_billed)],
      ["Could not bill", String(run.customers_failed)],
    ]),
    run.failures.length
      ? dataTable({ id: "billing-failures" }, "Customers it could not bill", [{ label: "Customer", kind: "key" }, { label: "Reason" }], run.failures.map((f) => [customerLink(f.customer_id), f.reason]))
      : null,
  );
}

async function follow(ctx: Ctx, id: string, into: HTMLElement): Promise<void> {
  for (;;) {
    let run: BillingRun;
    try {
      run = await ctx.api.getBillingRun(id);
    } catch (error) {
      if (!ctx.alive()) return;
      into.append(
        isMissingRoute(error)
          ? note("This server cannot report a run's progress yet (no GET /v1/billing-runs/{id}); the invoices list shows what it made.", "warning")
          : h("div", { class: "form-alert", role: "alert" }, h("p", {}, explainError(error).summary)),
      );
      return;
    }
    if (!ctx.alive()) return;
    replaceChildren(into, runProgress(run));
    if (run.status === "done") return;
    await new Promise((resolve) => window.setTimeout(resolve, 1000));
  }
}

function runResult(ctx: Ctx, result: BillingRunResult): HTMLElement {
  const out = h(
    "section",
    { class: "card", id: "billing-result", "aria-labelledby": "billing-result-title" },
    h("h2", { id: "billing-result-title" }, `Billing run for ${periodName(result.period)}`),
    h("p", { id: "billing-summary" }, `${result.invoices_generated} draft invoice${result.invoices_generated === 1 ? "" : "s"} created or recomputed. Drafts change until they are finalized.`),
  );
  if (result.invoice_ids.length) {
    out.append(h("ul", { class: "link-list", "aria-label": "Invoices of this run" }, result.invoice_ids.slice(0, 50).map((id) => h("li", {}, invoiceLink(id)))));
    if (result.invoice_ids.length > 50) out.append(h("p", {}, link(href({ view: "invoices", status: "", period: result.period, customer: "", cursor: "" }), `All ${result.invoice_ids.length} invoices of ${result.period}`)));
  }
  if (result.billing_run_id) {
    const progress = h("div", { "aria-live": "polite" });
    out.append(progress);
    void follow(ctx, result.billing_run_id, progress);
  }
  return out;
}

export const billingView: View = async (ctx, route, root) => {
  if (route.view !== "billing") return;
  root.append(pageHeader("Billing"));
  if (!hasKey()) {
    root.append(noKeyNotice("Billing"));
    return;
  }
  if (!isAdmin()) {
    root.append(note("Billing runs need an administrator key.", "warning"));
    return;
  }
  const period = field("billing-period", "Period (YYYY-MM)", input({ value: previousPeriod(), inputmode: "numeric" }), "Each customer's calendar month in their own timezone. Defaults to last month, which the events form's default timestamp falls in.");
  const unitPrice = field("billing-unit-price", "Unit price for usage without a plan price", input({ value: "0.01", inputmode: "decimal" }));
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
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    status.textContent = "";
    void submitting(
      form,
      alert,
      async () => {
        const problems = [];
        if (!isPeriod(period.control.value)) problems.push({ path: "period", message: "must be a month such as 2025-09" });
        if (!isDecimalString(unitPrice.control.value)) problems.push({ path: "unit_price", message: "must be a number such as 0.01" });
        if (problems.length) throw new ProblemsError(problems);
        status.textContent = "Billing…";
        const res = await ctx.api.runBilling(period.control.value.trim(), unitPrice.control.value.trim());
        status.textContent = "Done.";
        replaceChildren(result, runResult(ctx, res));
      },
      { labels: { period: "Period", unit_price: "Unit price" }, resolve: (p) => controls[p] },
    );
  });
  root.append(form, result);
  if (route.run) {
    const progress = h("section", { class: "card", "aria-label": "Run progress" });
    root.append(progress);
    await follow(ctx, route.run, progress);
  }
};
