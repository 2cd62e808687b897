// Invoices: list a customer's invoices (or fetch one by id) with expandable line items,
// and finalize (draft → finalized) or void (finalized → void) them.
import type { ApiClient, Invoice, LineItem, PercentageCharge, TierCharge } from "../api.js";
import { bindCustomerPicker } from "../customers-store.js";
import { byId, h, replaceChildren, requireValue, runAction, table } from "../dom.js";

export interface InvoicesSection {
  showInvoice(id: string): Promise<void>;
}

const dash = (value: string | null | undefined): string => (value === null || value === undefined || value === "" ? "—" : value);

/** One tier of a usage line, e.g. "Tier 2 (100 – 1000]: 900 × 0.01 = 9.00" (the API's unrounded strings; `tier` counts from 0). */
export function describeCharge(charge: TierCharge | PercentageCharge): string {
  if ("kind" in charge) {
    const { kind, amount, ...rest } = charge;
    const fields = Object.entries(rest).map(([key, value]) => `${key.replace(/_/g, " ")} ${String(value)}`);
    return `${kind.replace(/_/g, " ")}: ${fields.join(", ")} = ${amount}`;
  }
  const c = charge;
  const flat = c.flat_amount && !/^0*\.?0*$/.test(c.flat_amount) ? ` + ${c.flat_amount} flat` : "";
  if (c.package_size !== undefined) {
    return `${c.units} units in packages of ${c.package_size} at ${c.unit_amount}${flat} = ${c.amount}`;
  }
  const range = c.up_to === null ? `(${c.from} – ∞)` : `(${c.from} – ${c.up_to}]`;
  const price = c.rate !== undefined ? `${c.rate} %` : c.unit_amount;
  return `Tier ${c.tier + 1} ${range}: ${c.units} × ${price}${flat} = ${c.amount}`;
}

function lineItemsTable(invoice: Invoice): HTMLElement {
  const items: LineItem[] = Array.isArray(invoice.line_items) ? invoice.line_items : [];
  if (items.length === 0) return h("p", { class: "empty" }, "No line items.");
  const t = table(
    { class: "data-table line-items", "aria-label": `Line items of ${invoice.id}` },
    `Line items of ${invoice.id}`,
    ["Type", "Feature", "Quantity", "Unit price", "Amount", "Description"],
    items.map((li) => {
      const breakdown = Array.isArray(li.breakdown) ? li.breakdown : [];
      return [
        h("span", { class: `badge badge-${li.type}` }, li.type),
        dash(li.feature ?? (li.adjusts_period ? `period ${li.adjusts_period}` : null)),
        h("span", { class: "num" }, dash(li.quantity)),
        h("span", { class: "num" }, dash(li.unit_price)),
        h("span", { class: "num" }, li.amount),
        h(
          "div",
          { class: "line-description" },
          li.description,
          breakdown.length > 0
            ? h("ul", { class: "breakdown", "aria-label": "Breakdown" }, breakdown.map((c) => h("li", {}, describeCharge(c))))
            : null,
        ),
      ];
    }),
  );
  const totalRow = (label: string, value: string, strong = false): HTMLTableRowElement =>
    h(
      "tr",
      {},
      h("th", { scope: "row", colspan: 4 }, label),
      h("td", {}, strong ? h("strong", { class: "num" }, value) : h("span", { class: "num" }, value)),
      h("td", {}, invoice.currency),
    );
  t.append(
    h(
      "tfoot",
      {},
      totalRow("Subtotal", invoice.subtotal),
      totalRow("Credits applied", invoice.credits_applied),
      totalRow("Total", invoice.total, true),
    ),
  );
  return t;
}

function invoiceFacts(invoice: Invoice): HTMLElement {
  const facts: [string, string][] = [
    ["Plan", dash(invoice.plan_id)],
    ["Period", `${invoice.period_start} → ${invoice.period_end}`],
  ];
  if (invoice.finalized_at) facts.push(["Finalized", invoice.finalized_at]);
  if (invoice.voided_at) facts.push(["Voided", invoice.voided_at]);
  return h(
    "p",
    { class: "summary invoice-facts" },
    facts.map(([name, value]) => h("span", { class: "metric" }, `${name}: `, h("span", {}, value))),
  );
}

function invoicesTable(invoices: Invoice[], caption: string, open: ReadonlySet<string>): HTMLElement {
  const headers = ["ID", "Period", "Status", "Subtotal", "Credits", "Total", "Currency", "Actions"];
  const body = h("tbody");
  for (const inv of invoices) {
    const itemsId = `invoice-items-${inv.id}`;
    const count = Array.isArray(inv.line_items) ? inv.line_items.length : 0;
    const expanded = open.has(inv.id);
    const toggle = h(
      "button",
      { type: "button", class: "small secondary toggle", "aria-expanded": String(expanded), "aria-controls": itemsId },
      `Line items (${count})`,
    );
    const detail = h(
      "tr",
      { id: itemsId, class: "detail-row", hidden: !expanded },
      h("td", { colspan: headers.length }, invoiceFacts(inv), lineItemsTable(inv)),
    );
    toggle.addEventListener("click", () => {
      const isOpen = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(isOpen));
      detail.hidden = !isOpen;
    });
    // Only the transitions the API allows are enabled: draft → finalized → void.
    const actions = h(
      "div",
      { class: "row-actions" },
      toggle,
      h(
        "button",
        {
          type: "button",
          class: "small",
          "data-action": "finalize",
          "data-invoice-id": inv.id,
          "aria-label": `Finalize invoice ${inv.id}`,
          disabled: inv.status !== "draft",
        },
        "Finalize",
      ),
      h(
        "button",
        {
          type: "button",
          class: "small secondary danger",
          "data-action": "void",
          "data-invoice-id": inv.id,
          "aria-label": `Void invoice ${inv.id}`,
          disabled: inv.status !== "finalized",
        },
        "Void",
      ),
    );
    body.append(
      h(
        "tr",
        { "data-invoice-id": inv.id },
        h("td", {}, h("code", {}, inv.id)),
        h("td", { class: "nowrap" }, inv.period),
        h("td", {}, h("span", { class: `badge badge-${inv.status}` }, inv.status)),
        h("td", {}, h("span", { class: "num" }, inv.subtotal)),
        h("td", {}, h("span", { class: "num" }, inv.credits_applied)),
        h("td", {}, h("strong", { class: "num" }, inv.total)),
        h("td", {}, inv.currency),
        h("td", {}, actions),
      ),
      detail,
    );
  }
  return h(
    "table",
    { id: "invoices-table", class: "data-table" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col" }, t)))),
    body,
  );
}

export function initInvoices(api: ApiClient, onChanged: (invoice: Invoice) => void = () => {}): InvoicesSection {
  const section = byId("invoices", HTMLElement);
  const customerId = bindCustomerPicker("invoices");
  const form = byId("invoices-form", HTMLFormElement);
  const lookupForm = byId("invoice-lookup-form", HTMLFormElement);
  const invoiceId = byId("invoice-id", HTMLInputElement);
  const error = byId("invoices-error", HTMLElement);
  const status = byId("invoices-status", HTMLElement);
  const result = byId("invoices-result", HTMLElement);

  // What is shown, so a finalize/void can redraw it with the updated invoice.
  let view: { invoices: Invoice[]; caption: string } | null = null;

  const render = (open: ReadonlySet<string> = new Set()): void => {
    if (view) replaceChildren(result, invoicesTable(view.invoices, view.caption, open));
  };

  const showOne = async (id: string): Promise<void> => {
    result.replaceChildren();
    view = null;
    const invoice = await api.getInvoice(id);
    view = { invoices: [invoice], caption: `Invoice ${invoice.id} (customer ${invoice.customer_id})` };
    render(new Set([invoice.id])); // a single invoice opens with its line items shown
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void runAction(section, error, async () => {
      status.textContent = "";
      const customer = requireValue(customerId, "Customer ID");
      result.replaceChildren();
      view = null;
      const invoices = await api.listInvoices(customer);
      if (!Array.isArray(invoices) || invoices.length === 0) {
        replaceChildren(result, h("p", { class: "empty", id: "invoices-empty" }, `No invoices for ${customer}.`));
        return;
      }
      const sorted = [...invoices].sort((a, b) => b.period.localeCompare(a.period) || a.id.localeCompare(b.id));
      view = { invoices: sorted, caption: `${sorted.length} invoice${sorted.length === 1 ? "" : "s"} for ${customer}` };
      render();
    });
  });

  lookupForm.addEventListener("submit", (event) => {
    event.preventDefault();
    status.textContent = "";
    void runAction(section, error, async () => showOne(requireValue(invoiceId, "Invoice ID")));
  });

  result.addEventListener("click", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLButtonElement)) return;
    const id = target.dataset["invoiceId"];
    const action = target.dataset["action"];
    if (!id || (action !== "finalize" && action !== "void")) return;
    void runAction(section, error, async () => {
      status.textContent = "";
      const updated = action === "finalize" ? await api.finalizeInvoice(id) : await api.voidInvoice(id);
      if (view) {
        view = { ...view, invoices: view.invoices.map((inv) => (inv.id === updated.id ? updated : inv)) };
        render(new Set([updated.id])); // open its line items: finalizing may add a credit line
      }
      status.textContent =
        `Invoice ${updated.id} is ${updated.status}: subtotal ${updated.subtotal}, ` +
        `credits applied ${updated.credits_applied}, total ${updated.total} ${updated.currency}.`;
      onChanged(updated);
    });
  });

  return {
    showInvoice: async (id: string) => {
      invoiceId.value = id;
      status.textContent = "";
      section.scrollIntoView({ behavior: "smooth", block: "start" });
      await runAction(section, error, async () => showOne(id));
    },
  };
}
