// Invoices of every customer, filtered by status and period and paged (GET /v1/invoices).
import type { Invoice } from "../api-types.js";
import { adminViewAllowed, customerLink, invoiceLink, pageHeader, type Ctx, type View } from "../context.js";
import { formatMoney } from "../decimal.js";
import { badge, dataTable, h, link, note } from "../dom.js";
import { actions, feedback, field, input, onSubmit, ProblemsError, select } from "../forms.js";
import { pager } from "../pager.js";
import { href, type Route } from "../routes.js";
import { isPeriod } from "../time.js";

type InvoicesRoute = Extract<Route, { view: "invoices" }>;

const STATUSES: [string, string][] = [
  ["", "Any status"],
  ["draft", "Draft"],
  ["finalized", "Finalized"],
  ["void", "Void"],
];

function filterForm(ctx: Ctx, route: InvoicesRoute): HTMLFormElement {
  const status = field("invoice-status", "Status", select(STATUSES, route.status));
  const period = field("invoice-period", "Period (YYYY-MM)", input({ value: route.period, placeholder: "any", inputmode: "numeric" }));
  const { alert } = feedback("invoice-filter");
  const filter = h(
    "form",
    { class: "card form filter-form", role: "search", "aria-label": "Filter invoices", novalidate: true },
    h("div", { class: "grid" }, status.wrap, period.wrap),
    actions(h("button", { type: "submit" }, "Filter"), route.status || route.period || route.customer ? link(href({ view: "invoices", status: "", period: "", customer: "", cursor: "" }), "Clear filters") : null),
    alert,
  );
  onSubmit(
    filter,
    alert,
    async () => {
      const p = period.control.value.trim();
      if (p && !isPeriod(p)) throw new ProblemsError([{ path: "period", message: "must be a month such as 2025-09, or empty for any" }]);
      ctx.navigate({ view: "invoices", status: status.control.value, period: p, customer: route.customer, cursor: "" });
    },
    { labels: { period: "Period" }, resolve: () => period.control },
  );
  return filter;
}

/** A page of invoices and the names of their customers. */
async function invoicePage(ctx: Ctx, route: InvoicesRoute): Promise<{ data: Invoice[]; next_cursor: string | null; names: Map<string, string> }> {
  const page = await ctx.api.listAllInvoices({
    status: route.status,
    period: route.period,
    customer_id: route.customer,
    cursor: route.cursor,
    limit: 50,
  });
  const names = new Map<string, string>();
  if (!ctx.alive()) return { ...page, names };
  await Promise.all(
    Array.from(new Set(page.data.map((i) => i.customer_id))).map(async (id) => {
      const c = await ctx.customer(id);
      if (c) names.set(id, c.name);
    }),
  );
  return { ...page, names };
}

function invoicesTable(invoices: Invoice[], names: Map<string, string>): HTMLTableElement {
  return dataTable(
    { id: "invoices-table" },
    `${invoices.length} invoice${invoices.length === 1 ? "" : "s"}`,
    [{ label: "Invoice", kind: "key" }, { label: "Customer" }, { label: "Period" }, { label: "Status" }, { label: "Total", kind: "num" }],
    invoices.map((inv) => [
      invoiceLink(inv.id, inv.number ?? inv.id),
      customerLink(inv.customer_id, names.get(inv.customer_id)),
      inv.issue ? `${inv.period} (reissue ${inv.issue})` : inv.period,
      badge(inv.status),
      formatMoney(inv.total, inv.currency),
    ]),
    true,
  );
}

export const invoicesView: View = async (ctx, route, root) => {
  if (route.view !== "invoices") return;
  root.append(pageHeader("Invoices"));
  if (!adminViewAllowed(root, "The invoice list", "The list of all invoices")) return;
  const list = h("section", { class: "card", id: "invoices-list", "aria-labelledby": "invoices-list-title" }, h("h2", { id: "invoices-list-title" }, "All invoices"));
  root.append(filterForm(ctx, route), list);
  if (route.customer) list.append(h("p", {}, "Customer: ", customerLink(route.customer)));
  const page = await invoicePage(ctx, route);
  if (!ctx.alive()) return;
  if (page.data.length === 0) {
    list.append(note("No invoices match these filters.", "empty", { id: "invoices-empty" }));
    return;
  }
  list.append(invoicesTable(page.data, page.names));
  const pages = pager("Invoice pages", route, page.next_cursor);
  if (pages) list.append(pages);
};
