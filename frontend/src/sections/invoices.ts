// Invoices: list a customer's invoices (or fetch one by id) with expandable line items.
import type { ApiClient, Invoice, LineItem } from "../api.js";
import { bindCustomerPicker } from "../customers-store.js";
import { byId, h, replaceChildren, requireValue, runAction, table } from "../dom.js";

export interface InvoicesSection {
  showInvoice(id: string): Promise<void>;
}

const dash = (value: string | null | undefined): string => (value === null || value === undefined || value === "" ? "—" : value);

function lineItemsTable(invoice: Invoice): HTMLElement {
  const items: LineItem[] = Array.isArray(invoice.line_items) ? invoice.line_items : [];
  if (items.length === 0) return h("p", { class: "empty" }, "No line items.");
  return table(
    { class: "data-table line-items", "aria-label": `Line items of ${invoice.id}` },
    `Line items of ${invoice.id}`,
    ["Type", "Feature", "Quantity", "Unit price", "Amount", "Description"],
    items.map((li) => [
      h("span", { class: `badge badge-${li.type}` }, li.type),
      dash(li.feature),
      h("span", { class: "num" }, dash(li.quantity)),
      h("span", { class: "num" }, dash(li.unit_price)),
      h("span", { class: "num" }, li.amount),
      li.description,
    ]),
  );
}

function invoicesTable(invoices: Invoice[], caption: string): HTMLElement {
  const headers = ["ID", "Period", "Status", "Subtotal", "Credits", "Total", "Currency", "Line items"];
  const body = h("tbody");
  for (const inv of invoices) {
    const itemsId = `invoice-items-${inv.id}`;
    const count = Array.isArray(inv.line_items) ? inv.line_items.length : 0;
    const toggle = h(
      "button",
      { type: "button", class: "small secondary toggle", "aria-expanded": "false", "aria-controls": itemsId },
      `Line items (${count})`,
    );
    const detail = h(
      "tr",
      { id: itemsId, class: "detail-row", hidden: true },
      h("td", { colspan: headers.length }, lineItemsTable(inv)),
    );
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      detail.hidden = !open;
    });
    body.append(
      h(
        "tr",
        { "data-invoice-id": inv.id },
        h("td", {}, h("code", {}, inv.id)),
        h("td", {}, inv.period),
        h("td", {}, h("span", { class: `badge badge-${inv.status}` }, inv.status)),
        h("td", {}, h("span", { class: "num" }, inv.subtotal)),
        h("td", {}, h("span", { class: "num" }, inv.credits_applied)),
        h("td", {}, h("strong", { class: "num" }, inv.total)),
        h("td", {}, inv.currency),
        h("td", {}, toggle),
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

export function initInvoices(api: ApiClient): InvoicesSection {
  const section = byId("invoices", HTMLElement);
  const customerId = bindCustomerPicker("invoices");
  const form = byId("invoices-form", HTMLFormElement);
  const lookupForm = byId("invoice-lookup-form", HTMLFormElement);
  const invoiceId = byId("invoice-id", HTMLInputElement);
  const error = byId("invoices-error", HTMLElement);
  const result = byId("invoices-result", HTMLElement);

  const showOne = async (id: string): Promise<void> => {
    result.replaceChildren();
    const invoice = await api.getInvoice(id);
    const t = invoicesTable([invoice], `Invoice ${invoice.id} (customer ${invoice.customer_id})`);
    replaceChildren(result, t);
    const toggle = t.querySelector<HTMLButtonElement>("button.toggle");
    toggle?.click(); // a single invoice opens with its line items shown
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void runAction(section, error, async () => {
      const customer = requireValue(customerId, "Customer ID");
      result.replaceChildren();
      const invoices = await api.listInvoices(customer);
      if (!Array.isArray(invoices) || invoices.length === 0) {
        replaceChildren(result, h("p", { class: "empty", id: "invoices-empty" }, `No invoices for ${customer}.`));
        return;
      }
      const sorted = [...invoices].sort((a, b) => b.period.localeCompare(a.period) || a.id.localeCompare(b.id));
      replaceChildren(result, invoicesTable(sorted, `${sorted.length} invoice${sorted.length === 1 ? "" : "s"} for ${customer}`));
    });
  });

  lookupForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void runAction(section, error, async () => showOne(requireValue(invoiceId, "Invoice ID")));
  });

  return {
    showInvoice: async (id: string) => {
      invoiceId.value = id;
      section.scrollIntoView({ behavior: "smooth", block: "start" });
      await runAction(section, error, async () => showOne(id));
    },
  };
}
