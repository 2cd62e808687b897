// Invoices of every customer, filtered by status and period and paged (GET /v1/invoices).
import { adminViewAllowed, customerLink, invoiceLink, pageHeader, type View } from "../context.js";
import { formatMoney } from "../decimal.js";
import { badge, dataTable, h, link, note } from "../dom.js";
import { isMissingRoute } from "../errors.js";
import { actions, feedback, field, input, ProblemsError, select, submitting } from "../forms.js";
import { href } from "../routes.js";
import { isPeriod } from "../time.js";

const STATUSES: [string, string][] = [
  ["", "Any status"],
  ["draft", "Draft"],
  ["finalized", "Finalized"],
  ["void", "Void"],
];

export const invoicesView: View = async (ctx, route, root) => {
  if (route.view !== "invoices") return;
  root.append(pageHeader("Invoices"));
  if (!adminViewAllowed(root, "The invoice list", "The list of all invoices")) return;
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
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    void submitting(
      filter,
      alert,
      async () => {
        const p = period.control.value.trim();
        if (p && !isPeriod(p)) throw new ProblemsError([{ path: "period", message: "must be a month such as 2025-09, or empty for any" }]);
        ctx.navigate({ view: "invoices", status: status.control.value, period: p, customer: route.customer, cursor: "" });
      },
      { labels: { period: "Period" }, resolve: () => period.control },
    );
  });
  const list = h("section", { class: "card", id: "invoices-list", "aria-labelledby": "invoices-list-title" }, h("h2", { id: "invoices-list-title" }, "All invoices"));
  root.append(filter, list);
  if (route.customer) list.append(h("p", {}, "Customer: ", customerLink(route.customer)));

  let page;
  try {
    page = await ctx.api.listAllInvoices({
      status: route.status,
      period: route.period,
      customer_id: route.customer,
      cursor: route.cursor,
      limit: 50,
    });
  } catch (error) {
    if (!isMissingRoute(error)) throw error;
    list.append(note("The list of all invoices needs the API's GET /v1/invoices, which this server does not have yet. Each customer's page lists that customer's invoices.", "warning", { id: "invoices-unavailable" }));
    return;
  }
  if (!ctx.alive()) return;
  if (page.data.length === 0) {
    list.append(note("No invoices match these filters.", "empty", { id: "invoices-empty" }));
    return;
  }
  const names = new Map<string, string>();
  await Promise.all(
    Array.from(new Set(page.data.map((i) => i.customer_id))).map(async (id) => {
      const c = await ctx.customer(id);
      if (c) names.set(id, c.name);
    }),
  );
  if (!ctx.alive()) return;
  list.append(
    dataTable(
      { id: "invoices-table" },
      `${page.data.length} invoice${page.data.length === 1 ? "" : "s"}`,
      [{ label: "Invoice", kind: "key" }, { label: "Customer" }, { label: "Period" }, { label: "Status" }, { label: "Total", kind: "num" }],
      page.data.map((inv) => [
        invoiceLink(inv.id, inv.number ?? inv.id),
        customerLink(inv.customer_id, names.get(inv.customer_id)),
        inv.issue ? `${inv.period} (reissue ${inv.issue})` : inv.period,
        badge(inv.status),
        formatMoney(inv.total, inv.currency),
      ]),
      true,
    ),
  );
  const pager = h("nav", { class: "pager", "aria-label": "Invoice pages" });
  if (route.cursor) pager.append(link(href({ ...route, cursor: "" }), "First page"));
  if (page.next_cursor) pager.append(link(href({ ...route, cursor: page.next_cursor }), "Next page", { rel: "next" }));
  if (pager.childElementCount) list.append(pager);
};
