// Overview: how many customers, the last billed period's invoices by status (billed = finalized,
// to be billed = drafts) and the biggest customers of that period.
import type { Invoice } from "../api.js";
import { customerLink, hasKey, noKeyNotice, pageHeader, type View } from "../context.js";
import { compareDecimals, formatMoney, sumDecimals } from "../decimal.js";
import { dataTable, h, link, note } from "../dom.js";
import { isMissingRoute } from "../errors.js";
import { href } from "../routes.js";
import { periodName, previousPeriod } from "../time.js";

const COUNT_PAGES = 5;

function tile(label: string, value: string, id: string, detail?: Node | string): HTMLElement {
  return h("div", { class: "tile" }, h("p", { class: "tile-label", id: `${id}-label` }, label), h("p", { class: "tile-value", id, "aria-labelledby": `${id}-label ${id}` }, value), detail ? h("p", { class: "tile-detail" }, detail) : null);
}

function byCurrency(invoices: Invoice[]): string {
  const totals = new Map<string, string[]>();
  for (const inv of invoices) totals.set(inv.currency, [...(totals.get(inv.currency) ?? []), inv.total]);
  if (totals.size === 0) return "0.00";
  return Array.from(totals, ([currency, values]) => formatMoney(sumDecimals(values), currency)).join(" + ");
}

export const overviewView: View = async (ctx, _route, root) => {
  const period = previousPeriod();
  root.append(pageHeader("Overview"));
  if (!hasKey()) {
    root.append(noKeyNotice("The overview"));
    return;
  }
  const tiles = h("div", { class: "tiles" });
  const invoicesCard = h("section", { class: "card", "aria-labelledby": "overview-invoices" }, h("h2", { id: "overview-invoices" }, `Invoices of ${periodName(period)} (the last billed period)`));
  const biggest = h("section", { class: "card", "aria-labelledby": "overview-biggest" }, h("h2", { id: "overview-biggest" }, `Biggest customers of ${periodName(period)}`));
  root.append(tiles, invoicesCard, biggest);

  // Customers: counted through at most a few pages, so a huge account does not stall the page.
  let count = 0;
  let cursor = "";
  let more = false;
  for (let i = 0; i < COUNT_PAGES; i++) {
    const page = await ctx.api.listCustomers({ limit: 500, cursor });
    count += page.data.length;
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
    more = i === COUNT_PAGES - 1;
  }
  if (!ctx.alive()) return;
  tiles.append(tile("Customers", `${count}${more ? "+" : ""}`, "overview-customers", link(href({ view: "customers", q: "", cursor: "" }), "All customers")));

  let invoices: Invoice[];
  try {
    invoices = (await ctx.api.listAllInvoices({ period, limit: 500 })).data;
  } catch (error) {
    if (!isMissingRoute(error)) throw error;
    invoicesCard.append(note("Invoice totals need the API's GET /v1/invoices, which this server does not have yet.", "warning"));
    biggest.append(note("Available once the server lists invoices across customers.", "warning"));
    return;
  }
  if (!ctx.alive()) return;
  const by = (status: string): Invoice[] => invoices.filter((i) => i.status === status);
  tiles.append(
    tile("Billed (finalized)", byCurrency(by("finalized")), "overview-billed", `${by("finalized").length} invoices`),
    tile("To be billed (drafts)", byCurrency(by("draft")), "overview-drafts", `${by("draft").length} invoices`),
  );
  invoicesCard.append(
    dataTable(
      { id: "overview-status" },
      "Invoices by status",
      [{ label: "Status", kind: "key" }, { label: "Invoices", kind: "num" }, { label: "Total", kind: "num" }],
      ["draft", "finalized", "void"].map((s) => [link(href({ view: "invoices", status: s, period, customer: "", cursor: "" }), s), String(by(s).length), byCurrency(by(s))]),
      true,
    ),
  );
  const top = invoices
    .filter((i) => i.status !== "void")
    .sort((a, b) => compareDecimals(b.total, a.total))
    .slice(0, 5);
  if (top.length === 0) {
    biggest.append(note("No invoices for this period yet.", "empty"));
    return;
  }
  const names = await Promise.all(top.map((i) => ctx.customer(i.customer_id)));
  if (!ctx.alive()) return;
  biggest.append(
    dataTable(
      { id: "overview-biggest-table" },
      "Biggest customers",
      [{ label: "Customer", kind: "key" }, { label: "Total", kind: "num" }],
      top.map((inv, i) => [customerLink(inv.customer_id, names[i]?.name), formatMoney(inv.total, inv.currency)]),
      true,
    ),
  );
};
