// An invoice as a document: its number (given at finalization), issue and due dates, the period in the
// customer's timezone, the issuer and customer blocks, the lines with their tier breakdown, subtotal, credit
// and total. Drafts say DRAFT and have no number; a void invoice says VOID and shows no amount due; a reissue
// names the invoice it replaces. The print stylesheet keeps only the document, so the browser's "Save as
// PDF" gives a clean invoice. Finalize, void and reissue ask first.
import type { Customer, Invoice, Issuer } from "../api-types.js";
import { confirmAction } from "../confirm.js";
import { customerLink, invoiceLink, isAdmin, loadDetail, pageHeader, type Ctx, type View } from "../context.js";
import { formatMoney, isZeroDecimal } from "../decimal.js";
import { badge, facts, h, link, note, replaceChildren, userText } from "../dom.js";
import { actions, feedback, submitting } from "../forms.js";
import { documentStamp, documentTitle, invoiceName, reissueLabel, showsAmountDue, totalLabel } from "../invoice-labels.js";
import { linesTable } from "../invoice-lines.js";
import { href } from "../routes.js";
import { describePeriod, formatInZone } from "../time.js";

/** The invoices a document points to: the one a reissue replaces, and the one that replaced a void invoice. */
interface Lineage {
  replaced: Invoice | null;
  replacement: Invoice | null;
}

function datesOf(invoice: Invoice, zone: string): [string, string][] {
  const dates: [string, string][] = [["Period", describePeriod(invoice.period, zone)]];
  if (invoice.number) dates.push(["Number", invoice.number]);
  if (invoice.issue_date) dates.push(["Issue date", invoice.issue_date]);
  else if (invoice.finalized_at) dates.push(["Issued", formatInZone(invoice.finalized_at, zone, true)]);
  else dates.push(["Drafted", formatInZone(invoice.updated_at || invoice.created_at, zone)]);
  if (invoice.due_date && invoice.status === "finalized") dates.push(["Due date", invoice.due_date]);
  if (invoice.voided_at) dates.push(["Voided", formatInZone(invoice.voided_at, zone)]);
  return dates;
}

function issuerBlock(issuer: Issuer | null | undefined): HTMLElement | null {
  if (!issuer || !(issuer.name || issuer.address || issuer.tax_id)) return null;
  return h(
    "section",
    { "aria-labelledby": "issued-by", class: "invoice-issuer" },
    h("h3", { id: "issued-by" }, "From"),
    h(
      "p",
      {},
      issuer.name ? h("strong", {}, userText(issuer.name)) : null,
      issuer.address ? h("span", { class: "issuer-address" }, userText(issuer.address)) : null,
      issuer.tax_id ? h("span", {}, `Tax id ${issuer.tax_id}`) : null,
    ),
  );
}

function lineageNote(invoice: Invoice, lineage: Lineage): HTMLElement | null {
  const parts: (Node | string)[] = [];
  const reissue = reissueLabel(invoice);
  if (reissue && invoice.replaces) {
    parts.push(`${reissue}: replaces invoice `, invoiceLink(invoice.replaces, lineage.replaced ? invoiceName(lineage.replaced) : invoice.replaces), " (void).");
  }
  if (lineage.replacement) {
    parts.push(parts.length ? " " : "", "Replaced by ", invoiceLink(lineage.replacement.id, invoiceName(lineage.replacement)), ` (${reissueLabel(lineage.replacement) ?? "reissue"}).`);
  }
  return parts.length ? h("p", { class: "invoice-lineage", id: "invoice-lineage" }, ...parts) : null;
}

function documentOf(invoice: Invoice, customer: Customer | null, planName: string | null, lineage: Lineage): HTMLElement {
  const zone = customer?.timezone ?? "UTC";
  const stamp = documentStamp(invoice);
  const head = showsAmountDue(invoice)
    ? h("p", { class: "invoice-doc-total" }, "Total due ", h("strong", { id: "invoice-total" }, formatMoney(invoice.total, invoice.currency)))
    : h(
        "p",
        { class: "invoice-doc-total" },
        invoice.status === "void" ? "Nothing is due: this invoice is void." : "Not due yet: a draft changes until it is finalized.",
      );
  return h(
    "article",
    { class: `invoice-doc invoice-doc-${invoice.status}`, id: "invoice-document", "aria-labelledby": "invoice-doc-title" },
    stamp ? h("p", { class: `invoice-stamp invoice-stamp-${invoice.status}`, id: "invoice-stamp" }, stamp) : null,
    h(
      "header",
      { class: "invoice-doc-head" },
      h("div", {}, h("h2", { id: "invoice-doc-title" }, documentTitle(invoice)), badge(invoice.status)),
      head,
    ),
    lineageNote(invoice, lineage),
    h(
      "div",
      { class: "invoice-doc-parties" },
      issuerBlock(invoice.issuer),
      h(
        "section",
        { "aria-labelledby": "bill-to" },
        h("h3", { id: "bill-to" }, "Bill to"),
        customer
          ? h("p", {}, h("strong", {}, userText(customer.name)), h("br"), userText(customer.email), h("br"), h("span", { class: "muted" }, customer.id))
          : h("p", {}, invoice.customer_id),
      ),
      h(
        "section",
        { "aria-labelledby": "invoice-dates" },
        h("h3", { id: "invoice-dates" }, "Dates"),
        facts(datesOf(invoice, zone), { id: "invoice-facts" }),
        h("p", { class: "muted" }, `Dates in ${zone}.`, invoice.number ? "" : ` Invoice id ${invoice.id}; a number is given when it is finalized.`),
      ),
    ),
    linesTable(invoice, `Lines of invoice ${invoiceName(invoice)}`, "invoice-lines", totalLabel(invoice), invoice.status === "void"),
    invoice.plan_id ? h("p", { class: "muted" }, "Plan ", planName ? [userText(planName), ` (${invoice.plan_id})`] : invoice.plan_id, `. Amounts in ${invoice.currency}; each line rounded once to the currency's minor unit.`) : null,
  );
}

type Action = "finalize" | "void" | "reissue";

const ACTION_LABELS: Record<Action, string> = { finalize: "Finalize…", void: "Void…", reissue: "Reissue…" };

function confirmed(invoice: Invoice, action: Action): Promise<boolean> {
  const money = (v: string): string => formatMoney(v, invoice.currency);
  const name = invoiceName(invoice);
  if (action === "finalize") {
    return confirmAction(
      `Finalize invoice ${name}?`,
      [
        `It is recomputed one last time, frozen at its current usage, and given the next invoice number; the total is now ${money(invoice.total)}.`,
        isZeroDecimal(invoice.credits_applied)
          ? "Any prepaid credit the customer has is applied and used up."
          : `${money(invoice.credits_applied)} of prepaid credit will be used up.`,
        "This cannot be undone: a finalized invoice can only be voided.",
      ],
      "Finalize invoice",
    );
  }
  if (action === "void") {
    return confirmAction(
      `Void invoice ${name}?`,
      [
        `The invoice of ${money(invoice.total)} is cancelled and stays on record as void; its period can then be billed again.`,
        isZeroDecimal(invoice.credits_applied) ? "No credit was applied to it." : `The ${money(invoice.credits_applied)} of credit it used goes back to the customer.`,
        "This cannot be undone.",
      ],
      "Void invoice",
      true,
    );
  }
  return confirmAction(
    `Reissue invoice ${name}?`,
    [
      `A new draft for ${invoice.period} replaces it, rated with the customer's usage and plan as they are now; it gets its own number when it is finalized.`,
      "The void invoice stays void and on record.",
    ],
    "Reissue invoice",
  );
}

async function act(ctx: Ctx, invoice: Invoice, action: Action): Promise<Invoice | null> {
  if (!(await confirmed(invoice, action))) return null;
  if (action === "finalize") return ctx.api.finalizeInvoice(invoice.id);
  if (action === "void") return ctx.api.voidInvoice(invoice.id);
  return ctx.api.reissueInvoice(invoice.id);
}

/** The actions an administrator has on an invoice in this state. */
function actionsFor(invoice: Invoice): Action[] {
  if (!isAdmin()) return [];
  if (invoice.status === "draft") return ["finalize"];
  if (invoice.status === "finalized") return ["void"];
  if (invoice.status === "void") return ["reissue"];
  return [];
}

async function lineageOf(ctx: Ctx, invoice: Invoice): Promise<Lineage> {
  const [replaced, replacement] = await Promise.all([
    invoice.replaces ? ctx.api.getInvoice(invoice.replaces).catch(() => null) : null,
    invoice.status === "void"
      ? ctx.api.listInvoices(invoice.customer_id).then((all) => all.find((i) => i.replaces === invoice.id) ?? null, () => null)
      : null,
  ]);
  return { replaced, replacement };
}

/** What the document names besides the invoice: its customer, its plan's name and the invoices it points to. */
async function documentContext(ctx: Ctx, invoice: Invoice): Promise<{ customer: Customer | null; planName: string | null; lineage: Lineage }> {
  const customer = await ctx.customer(invoice.customer_id);
  // A customer's key may read the plan it is on only; the invoice may have been rated with an earlier one.
  const readable = invoice.plan_id && (isAdmin() || invoice.plan_id === customer?.plan_id);
  const planName = readable && invoice.plan_id ? await ctx.api.getPlan(invoice.plan_id).then((p) => p.name, () => null) : null;
  const lineage = await lineageOf(ctx, invoice);
  return { customer, planName, lineage };
}

export const invoiceView: View = async (ctx, route, root) => {
  if (route.view !== "invoice") return;
  const notFound = [note(`There is no invoice ${route.id}.`, "warning")];
  const invoice = await loadDetail(ctx, root, { title: "Invoice", needsKey: "An invoice", notFound }, () => ctx.api.getInvoice(route.id));
  if (!invoice) return;
  const { customer, planName, lineage } = await documentContext(ctx, invoice);
  if (!ctx.alive()) return;

  const doc = h("div", { class: "invoice-doc-wrap" });
  const { alert, status } = feedback("invoice-action");
  const toolbar = h("div", { class: "card toolbar no-print", id: "invoice-toolbar" });
  const draw = (inv: Invoice, known: Lineage): void => {
    replaceChildren(doc, documentOf(inv, customer, planName, known));
    replaceChildren(toolbar, actions([...actionButtons(inv), printButton()]), alert, status);
  };
  /** An administrator's buttons for the invoice's state, each confirmed first; the document is drawn anew after. */
  const actionButtons = (inv: Invoice): HTMLButtonElement[] =>
    actionsFor(inv).map((action) => {
      const b = h("button", { type: "button", class: action === "void" ? "danger" : "" }, ACTION_LABELS[action]);
      b.addEventListener("click", () => {
        status.textContent = "";
        void submitting(toolbar, alert, async () => {
          const updated = await act(ctx, inv, action);
          if (!updated) {
            status.textContent = "Nothing was changed.";
            return;
          }
          if (action === "reissue") {
            ctx.navigate({ view: "invoice", id: updated.id });
            return;
          }
          draw(updated, await lineageOf(ctx, updated));
          status.textContent = `Invoice ${invoiceName(updated)} is ${updated.status}. Total ${formatMoney(updated.total, updated.currency)}, credit applied ${formatMoney(updated.credits_applied, updated.currency)}.`;
        });
      });
      return b;
    });
  draw(invoice, lineage);
  root.append(
    pageHeader(`Invoice ${invoiceName(invoice)}`, h("p", { class: "subtitle no-print" }, customer ? customerLink(customer.id, customer.name) : invoice.customer_id, ...(isAdmin() ? [" · ", link(href({ view: "invoices", status: "", period: "", customer: "", cursor: "" }), "All invoices")] : []))),
    toolbar,
    doc,
  );
};

function printButton(): HTMLButtonElement {
  const print = h("button", { type: "button", class: "secondary" }, "Print or save as PDF");
  print.addEventListener("click", () => window.print());
  return print;
}
