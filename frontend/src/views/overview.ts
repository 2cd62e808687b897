// Overview: how many customers; this period so far (events and the amount to be billed, from the
// customers' upcoming invoices: every customer's when there are few, else the biggest ones'); the last
// billed period's invoices by status (billed = finalized, to be billed = drafts) and its biggest customers.
import type { Customer, Invoice, InvoicePreview } from "../api-types.js";
import { customerLink, hasKey, noKeyNotice, pageHeader, type Ctx, type View } from "../context.js";
import { compareDecimals, formatMoney, isZeroDecimal, sumDecimals } from "../decimal.js";
import { dataTable, h, link, note } from "../dom.js";
import { href } from "../routes.js";
import { periodName, previousPeriod } from "../time.js";

const COUNT_PAGES = 5;
/** Up to this many customers, the current period's figures are every customer's upcoming invoice summed. */
const EVERY_CUSTOMER_UP_TO = 50;
/** Beyond, the upcoming invoices of this many of the last period's biggest customers. */
const SAMPLED = 10;

function tile(label: string, value: string, id: string, detail?: Node | string): HTMLElement {
  return h("div", { class: "tile" }, h("p", { class: "tile-label", id: `${id}-label` }, label), h("p", { class: "tile-value", id, "aria-labelledby": `${id}-label ${id}` }, value), detail ? h("p", { class: "tile-detail" }, detail) : null);
}

function invoicesText(n: number): string {
  return `${n} invoice${n === 1 ? "" : "s"}`;
}

function byCurrency(invoices: Pick<Invoice, "currency" | "total">[]): string {
  const totals = new Map<string, string[]>();
  for (const inv of invoices) totals.set(inv.currency, [...(totals.get(inv.currency) ?? []), inv.total]);
  if (totals.size === 0) return "0.00";
  return Array.from(totals, ([currency, values]) => formatMoney(sumDecimals(values), currency)).join(" + ");
}

/** The current period (each customer's month in its own timezone) from upcoming invoices: tiles for its
 * events and its amount to be billed, and its biggest customers so far. */
async function thisPeriod(ctx: Ctx, customerIds: string[], every: boolean, tiles: HTMLElement, card: HTMLElement): Promise<void> {
  const replies = await Promise.allSettled(customerIds.map((id) => ctx.api.upcomingInvoice(id)));
  if (!ctx.alive()) return;
  const previews = replies.filter((r): r is PromiseFulfilledResult<InvoicePreview> => r.status === "fulfilled").map((r) => r.value);
  const failed = replies.length - previews.length;
  const whose = every ? (previews.length === 1 ? "the only customer" : `all ${previews.length} customers`) : `the ${previews.length} biggest customers only`;
  const events = previews.reduce((n, p) => n + p.events_counted, 0);
  tiles.append(
    tile("Events this period", events.toLocaleString("en-US"), "overview-events", `${whose}; each customer's month in its own timezone`),
    tile("To be billed this period so far", byCurrency(previews), "overview-upcoming", `The upcoming invoices of ${whose}, after prepaid credit`),
  );
  if (failed) card.append(note(`${failed} customer${failed === 1 ? "'s" : "s'"} upcoming invoice could not be read.`, "warning"));
  const top = previews
    .filter((p) => !isZeroDecimal(p.total))
    .sort((a, b) => compareDecimals(b.total, a.total))
    .slice(0, 5);
  if (top.length === 0) {
    card.append(note("Nothing to bill yet this period.", "empty"));
    return;
  }
  const names = await Promise.all(top.map((p) => ctx.customer(p.customer_id)));
  if (!ctx.alive()) return;
  card.append(
    dataTable(
      { id: "overview-current-table" },
      "Biggest customers this period so far",
      [{ label: "Customer", kind: "key" }, { label: "Period" }, { label: "Events", kind: "num" }, { label: "So far", kind: "num" }],
      top.map((p, i) => [customerLink(p.customer_id, names[i]?.name), p.period, p.events_counted.toLocaleString("en-US"), formatMoney(p.total, p.currency)]),
      true,
    ),
  );
}

/** The customers, counted through at most a few pages so a huge account does not stall the page. */
async function countCustomers(ctx: Ctx): Promise<{ count: number; more: boolean; first: Customer[] }> {
  let count = 0;
  let cursor = "";
  let more = false;
  const first: Customer[] = [];
  for (let i = 0; i < COUNT_PAGES; i++) {
    const page = await ctx.api.listCustomers({ limit: 500, cursor });
    count += page.data.length;
    page.data.forEach((c) => ctx.remember(c));
    if (i === 0) first.push(...page.data);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
    more = i === COUNT_PAGES - 1;
  }
  return { count, more, first };
}

/** Non-void invoices, biggest total first. */
function biggestFirst(invoices: Invoice[]): Invoice[] {
  return invoices.filter((i) => i.status !== "void").sort((a, b) => compareDecimals(b.total, a.total));
}

function lastPeriodTiles(period: string, invoices: Invoice[]): HTMLElement[] {
  const by = (status: string): Invoice[] => invoices.filter((i) => i.status === status);
  return [
    tile(`Billed for ${periodName(period)}`, byCurrency(by("finalized")), "overview-billed", `${invoicesText(by("finalized").length)} finalized`),
    tile(`To be billed for ${periodName(period)}`, byCurrency(by("draft")), "overview-drafts", `${invoicesText(by("draft").length)} still drafts`),
  ];
}

function statusTable(period: string, invoices: Invoice[]): HTMLTableElement {
  const by = (status: string): Invoice[] => invoices.filter((i) => i.status === status);
  return dataTable(
    { id: "overview-status" },
    "Invoices by status",
    [{ label: "Status", kind: "key" }, { label: "Invoices", kind: "num" }, { label: "Total", kind: "num" }],
    ["draft", "finalized", "void"].map((s) => [link(href({ view: "invoices", status: s, period, customer: "", cursor: "" }), s), String(by(s).length), byCurrency(by(s))]),
    true,
  );
}

function biggestTable(top: Invoice[], names: (Customer | null)[]): HTMLTableElement {
  return dataTable(
    { id: "overview-biggest-table" },
    "Biggest customers",
    [{ label: "Customer", kind: "key" }, { label: "Total", kind: "num" }],
    top.map((inv, i) => [customerLink(inv.customer_id, names[i]?.name), formatMoney(inv.total, inv.currency)]),
    true,
  );
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
  const current = h("section", { class: "card", "aria-labelledby": "overview-current" }, h("h2", { id: "overview-current" }, "Biggest customers this period so far"));
  root.append(tiles, current, invoicesCard, biggest);

  const { count, more, first } = await countCustomers(ctx);
  if (!ctx.alive()) return;
  tiles.append(tile("Customers", `${count}${more ? "+" : ""}`, "overview-customers", link(href({ view: "customers", q: "", cursor: "" }), "All customers")));

  const invoices = (await ctx.api.listAllInvoices({ period, limit: 500 })).data;
  if (!ctx.alive()) return;
  const every = !more && count <= EVERY_CUSTOMER_UP_TO;
  const lastTop = biggestFirst(invoices).map((i) => i.customer_id);
  const asked = every ? first.map((c) => c.id) : [...new Set([...lastTop, ...first.map((c) => c.id)])].slice(0, SAMPLED);
  await thisPeriod(ctx, asked, every, tiles, current);
  if (!ctx.alive()) return;
  tiles.append(...lastPeriodTiles(period, invoices));
  invoicesCard.append(statusTable(period, invoices));
  const top = biggestFirst(invoices).slice(0, 5);
  if (top.length === 0) {
    biggest.append(note("No invoices for this period yet.", "empty"));
    return;
  }
  const names = await Promise.all(top.map((i) => ctx.customer(i.customer_id)));
  if (!ctx.alive()) return;
  biggest.append(biggestTable(top, names));
};
