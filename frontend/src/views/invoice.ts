// An invoice as a document: number, dates, the period in the customer's timezone, the customer block,
// the lines with their tier breakdown, subtotal, credit and total. The print stylesheet keeps only the
// document, so the browser's "Save as PDF" gives a clean invoice. Finalize and void ask first.
import { ApiError, type Customer, type Invoice } from "../api.js";
import { confirmAction } from "../confirm.js";
import { customerLink, hasKey, isAdmin, noKeyNotice, pageHeader, type Ctx, type View } from "../context.js";
import { formatMoney, isZeroDecimal } from "../decimal.js";
import { badge, facts, h, link, note, replaceChildren } from "../dom.js";
import { isMissingRoute } from "../errors.js";
import { actions, feedback, submitting } from "../forms.js";
import { linesTable } from "../invoice-lines.js";
import { href } from "../routes.js";
import { describePeriod, formatInZone } from "../time.js";

const TITLES: Record<string, string> = { draft: "Draft invoice", finalized: "Invoice", void: "Void invoice" };

function documentOf(invoice: Invoice, customer: Customer | null, planName: string | null): HTMLElement {
  const zone = customer?.timezone ?? "UTC";
  const dates: [string, string][] = [["Period", describePeriod(invoice.period, zone)]];
  if (invoice.finalized_at) dates.push(["Issued", formatInZone(invoice.finalized_at, zone, true)]);
  else dates.push(["Drafted", formatInZone(invoice.updated_at || invoice.created_at, zone)]);
  if (invoice.voided_at) dates.push(["Voided", formatInZone(invoice.voided_at, zone)]);
  return h(
    "article",
    { class: "invoice-doc", id: "invoice-document", "aria-labelledby": "invoice-doc-title" },
    h(
      "header",
      { class: "invoice-doc-head" },
      h("div", {}, h("h2", { id: "invoice-doc-title" }, `${TITLES[invoice.status] ?? "Invoice"} ${invoice.id}`), badge(invoice.status)),
      h("p", { class: "invoice-doc-total" }, "Total due ", h("strong", { id: "invoice-total" }, formatMoney(invoice.total, invoice.currency))),
    ),
    h(
      "div",
      { class: "invoice-doc-parties" },
      h(
        "section",
        { "aria-labelledby": "bill-to" },
        h("h3", { id: "bill-to" }, "Bill to"),
        customer
          ? h("p", {}, h("strong", {}, customer.name), h("br"), customer.email, h("br"), h("span", { class: "muted" }, customer.id))
          : h("p", {}, invoice.customer_id),
      ),
      h("section", { "aria-labelledby": "invoice-dates" }, h("h3", { id: "invoice-dates" }, "Dates"), facts(dates.map(([k, v]) => [k, v])), h("p", { class: "muted" }, `Dates in ${zone}.`)),
    ),
    linesTable(invoice, `Lines of invoice ${invoice.id}`, "invoice-lines"),
    invoice.plan_id ? h("p", { class: "muted" }, `Plan ${planName ? `${planName} (${invoice.plan_id})` : invoice.plan_id}. Amounts in ${invoice.currency}; each line rounded once to the currency's minor unit.`) : null,
  );
}

async function act(ctx: Ctx, invoice: Invoice, action: "finalize" | "void"): Promise<Invoice | null> {
  const money = (v: string): string => formatMoney(v, invoice.currency);
  const ok =
    action === "finalize"
      ? await confirmAction(
          `Finalize invoice ${invoice.id}?`,
          [
            `It is recomputed one last time and frozen at its current usage; the total is now ${money(invoice.total)}.`,
            isZeroDecimal(invoice.credits_applied)
              ? "Any prepaid credit the customer has is applied and used up."
              : `${money(invoice.credits_applied)} of prepaid credit will be used up.`,
            "This cannot be undone: a finalized invoice can only be voided.",
          ],
          "Finalize invoice",
        )
      : await confirmAction(
          `Void invoice ${invoice.id}?`,
          [
            `The invoice of ${money(invoice.total)} is cancelled and stays on record as void.`,
            isZeroDecimal(invoice.credits_applied) ? "No credit was applied to it." : `The ${money(invoice.credits_applied)} of credit it used goes back to the customer.`,
            "This cannot be undone.",
          ],
          "Void invoice",
          true,
        );
  if (!ok) return null;
  return action === "finalize" ? ctx.api.finalizeInvoice(invoice.id) : ctx.api.voidInvoice(invoice.id);
}

export const invoiceView: View = async (ctx, route, root) => {
  if (route.view !== "invoice") return;
  if (!hasKey()) {
    root.append(pageHeader("Invoice"), noKeyNotice("An invoice"));
    return;
  }
  let invoice: Invoice;
  try {
    invoice = await ctx.api.getInvoice(route.id);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && !isMissingRoute(error)) {
      root.append(pageHeader("Invoice not found"), note(`There is no invoice ${route.id}.`, "warning"));
      return;
    }
    throw error;
  }
  const customer = await ctx.customer(invoice.customer_id);
  // A customer's key may read the plan it is on only; the invoice may have been rated with an earlier one.
  const readable = invoice.plan_id && (isAdmin() || invoice.plan_id === customer?.plan_id);
  const planName = readable && invoice.plan_id ? await ctx.api.getPlan(invoice.plan_id).then((p) => p.name, () => null) : null;
  if (!ctx.alive()) return;

  const doc = h("div", { class: "invoice-doc-wrap" });
  const { alert, status } = feedback("invoice-action");
  const toolbar = h("div", { class: "card toolbar no-print", id: "invoice-toolbar" });
  const draw = (inv: Invoice): void => {
    replaceChildren(doc, documentOf(inv, customer, planName));
    const print = h("button", { type: "button", class: "secondary" }, "Print or save as PDF");
    print.addEventListener("click", () => window.print());
    const buttons: HTMLButtonElement[] = [print];
    if (isAdmin() && inv.status === "draft") buttons.unshift(h("button", { type: "button" }, "Finalize…"));
    if (isAdmin() && inv.status === "finalized") buttons.unshift(h("button", { type: "button", class: "danger" }, "Void…"));
    for (const b of buttons.slice(0, -1)) {
      const action = b.textContent?.startsWith("Finalize") ? "finalize" : "void";
      b.addEventListener("click", () => {
        status.textContent = "";
        void submitting(toolbar, alert, async () => {
          const updated = await act(ctx, inv, action);
          if (!updated) {
            status.textContent = "Nothing was changed.";
            return;
          }
          draw(updated);
          status.textContent = `Invoice ${updated.id} is ${updated.status}. Total ${formatMoney(updated.total, updated.currency)}, credit applied ${formatMoney(updated.credits_applied, updated.currency)}.`;
        });
      });
    }
    replaceChildren(toolbar, actions(buttons), alert, status);
  };
  draw(invoice);
  root.append(
    pageHeader(`Invoice ${invoice.id}`, h("p", { class: "subtitle no-print" }, customer ? customerLink(customer.id, customer.name) : invoice.customer_id, ...(isAdmin() ? [" · ", link(href({ view: "invoices", status: "", period: "", customer: "", cursor: "" }), "All invoices")] : []))),
    toolbar,
    doc,
  );
};
