// An invoice's lines as a table with each usage line's tier breakdown in words, and its totals.
// Shared by the invoice document, the customer's upcoming invoice and the what-if estimate.
import type { Invoice, InvoicePreview, LineItem } from "./api-types.js";
import type { PercentageCharge, TierCharge } from "./prices.js";
import { formatMoney, groupDigits, isDecimalString, isZeroDecimal } from "./decimal.js";
import { h, userText } from "./dom.js";

const isZero = (v: string | undefined): boolean => v === undefined || !isDecimalString(v) || isZeroDecimal(v);

/** One tier (or the package) a usage line's quantity fell in, e.g. "Tier 2 (100 – 1,000]: 900 × 0.01 = 9.00",
 * or a percentage price's part, e.g. "percentage: rate 2.9, value 1000 = 29.0". */
export function describeCharge(charge: TierCharge | PercentageCharge): string {
  if ("kind" in charge) {
    const { kind, amount, ...rest } = charge;
    const fields = Object.entries(rest).map(([key, value]) => `${key.replace(/_/g, " ")} ${String(value)}`);
    return `${kind.replace(/_/g, " ")}: ${fields.join(", ")} = ${amount}`;
  }
  const c = charge;
  const flat = !isZero(c.flat_amount) ? ` + ${c.flat_amount} flat` : "";
  if (c.package_size !== undefined) {
    return `${groupDigits(c.units)} units in packages of ${groupDigits(c.package_size)} at ${c.unit_amount} a package${flat} = ${c.amount}`;
  }
  const range = c.up_to === null ? `above ${groupDigits(c.from)}` : `${groupDigits(c.from)} – ${groupDigits(c.up_to)}`;
  const price = c.rate !== undefined ? `${c.rate} %` : c.unit_amount;
  return `Tier ${c.tier + 1} (${range}): ${groupDigits(c.units)} × ${price}${flat} = ${c.amount}`;
}

function isCharge(value: unknown): value is TierCharge | PercentageCharge {
  if (typeof value !== "object" || value === null) return false;
  return ("units" in value && "unit_amount" in value) || ("kind" in value && "amount" in value);
}

function lineDetail(line: LineItem): HTMLElement | null {
  const charges = (Array.isArray(line.breakdown) ? line.breakdown : []).filter(isCharge);
  if (charges.length === 0) return null;
  return h("ul", { class: "breakdown", "aria-label": "Breakdown" }, charges.map((c) => h("li", {}, describeCharge(c))));
}

function quantityText(line: LineItem): string {
  if (!line.quantity) return "";
  return line.unit_price ? `${groupDigits(line.quantity)} × ${line.unit_price}` : groupDigits(line.quantity);
}

/** What the table reads of an invoice, stored or not. */
type Priced = Pick<Invoice | InvoicePreview, "currency" | "subtotal" | "credits_applied" | "total" | "carried_over" | "line_items">;

/** `totalLabel` names the last line ("Total due"; a void invoice's says nothing is due) and `struck` strikes its
 * amount through (a void invoice's). */
export function linesTable(invoice: Priced, caption: string, id: string, totalLabel = "Total due", struck = false): HTMLTableElement {
  const lines = Array.isArray(invoice.line_items) ? invoice.line_items : [];
  const credit = lines.filter((l) => l.type === "credit");
  const charged = lines.filter((l) => l.type !== "credit");
  const row = (line: LineItem): HTMLTableRowElement =>
    h(
      "tr",
      {},
      h("td", { "data-label": "Description", class: "key" }, h("span", { class: "line-description" }, userText(line.description)), lineDetail(line)),
      h("td", { "data-label": "Quantity", class: "num" }, quantityText(line)),
      h("td", { "data-label": "Amount", class: "num" }, groupDigits(line.amount)),
    );
  const total = (label: string, value: string, cls = "", strike = false): HTMLTableRowElement =>
    h("tr", { class: cls }, h("th", { scope: "row", colspan: 2 }, label), h("td", { class: "num", "data-label": label }, strike ? h("s", {}, value) : value));
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
      total(totalLabel, formatMoney(invoice.total, invoice.currency), "grand-total", struck),
      !isZero(invoice.carried_over) ? total("Carried over to the credit balance", formatMoney(invoice.carried_over, invoice.currency), "carried-over", struck) : null,
    ),
  );
}
