// An invoice's lines as a table with each usage line's tier breakdown in words, and its totals.
// Shared by the invoice document, the customer's upcoming invoice and the what-if estimate.
import type { Invoice, LineItem, TierCharge } from "./api.js";
import { formatMoney, groupDigits, isDecimalString, isZeroDecimal } from "./decimal.js";
import { h } from "./dom.js";

const isZero = (v: string | undefined): boolean => v === undefined || !isDecimalString(v) || isZeroDecimal(v);

/** One tier (or the package) a usage line's quantity fell in, e.g. "Tier 2 (100 – 1,000]: 900 × 0.01 = 9.00". */
export function describeCharge(c: TierCharge): string {
  const flat = !isZero(c.flat_amount) ? ` + ${c.flat_amount} flat` : "";
  if (c.package_size !== undefined) {
    return `${groupDigits(c.units)} units in packages of ${groupDigits(c.package_size)} at ${c.unit_amount} a package${flat} = ${c.amount}`;
  }
  const range = c.up_to === null ? `above ${groupDigits(c.from)}` : `${groupDigits(c.from)} – ${groupDigits(c.up_to)}`;
  return `Tier ${c.tier + 1} (${range}): ${groupDigits(c.units)} × ${c.unit_amount}${flat} = ${c.amount}`;
}

function isTierCharge(value: unknown): value is TierCharge {
  return typeof value === "object" && value !== null && "units" in value && "unit_amount" in value;
}

function lineDetail(line: LineItem): HTMLElement | null {
  const charges = (Array.isArray(line.breakdown) ? line.breakdown : []).filter(isTierCharge);
  if (charges.length === 0) return null;
  return h("ul", { class: "breakdown", "aria-label": "Breakdown" }, charges.map((c) => h("li", {}, describeCharge(c))));
}

function quantityText(line: LineItem): string {
  if (!line.quantity) return "";
  return line.unit_price ? `${groupDigits(line.quantity)} × ${line.unit_price}` : groupDigits(line.quantity);
}

export function linesTable(invoice: Invoice, caption: string, id: string): HTMLTableElement {
  const lines = Array.isArray(invoice.line_items) ? invoice.line_items : [];
  const credit = lines.filter((l) => l.type === "credit");
  const charged = lines.filter((l) => l.type !== "credit");
  const row = (line: LineItem): HTMLTableRowElement =>
    h(
      "tr",
      {},
      h("td", { "data-label": "Description", class: "key" }, h("span", { class: "line-description" }, line.description), lineDetail(line)),
      h("td", { "data-label": "Quantity", class: "num" }, quantityText(line)),
      h("td", { "data-label": "Amount", class: "num" }, groupDigits(line.amount)),
    );
  const total = (label: string, value: string, cls = ""): HTMLTableRowElement =>
    h("tr", { class: cls }, h("th", { scope: "row", colspan: 2 }, label), h("td", { class: "num", "data-label": label }, value));
  return h(
    "table",
    { class: "data-table invoice-lines", id },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Description"), h("th", { scope: "col", class: "num" }, "Quantity"), h("th", { scope: "col", class: "num" }, `Amount (${invoice.currency})`))),
    h("tbody", {}, charged.length ? charged.map(row) : h("tr", {}, h("td", { colspan: 3 }, "No charges."))),
    h(
      "tfoot",
      {},
      total("Subtotal", formatMoney(invoice.subtotal, invoice.currency)),
      credit.length || !isZero(invoice.credits_applied) ? total("Prepaid credit applied", `-${formatMoney(invoice.credits_applied, invoice.currency)}`) : null,
      total("Total due", formatMoney(invoice.total, invoice.currency), "grand-total"),
    ),
  );
}
