// Customers: searchable (name or email prefix), paged with the API's cursor, and created here.
// Each row leads to the customer's page.
import type { ApiClient } from "../api.js";
import type { Customer } from "../api-types.js";
import { adminViewAllowed, customerLink, isAdmin, pageHeader, type Ctx, type View } from "../context.js";
import { dataTable, h, link, note, replaceChildren, userText } from "../dom.js";
import { actions, feedback, field, input, onSubmit, ProblemsError } from "../forms.js";
import { pager } from "../pager.js";
import { href, type Route } from "../routes.js";
import { formatLocal, isValidTimeZone } from "../time.js";

type CustomersRoute = Extract<Route, { view: "customers" }>;
type CustomerPage = Awaited<ReturnType<ApiClient["listCustomers"]>>;

const PAGE_SIZE = 50;
const CUSTOMER_LABELS = { name: "Name", email: "Email", timezone: "Timezone", plan_id: "Plan" };

function timezoneList(): HTMLDataListElement {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : ["UTC"];
  return h("datalist", { id: "timezone-options" }, ["UTC", ...zones].map((z) => h("option", { value: z })));
}

export function customersTable(customers: Customer[], caption: string): HTMLTableElement {
  return dataTable(
    { id: "customers-table" },
    caption,
    [{ label: "Name", kind: "key" }, { label: "Email" }, { label: "Timezone" }, { label: "Plan" }, { label: "Created (UTC)" }],
    customers.map((c) => [
      customerLink(c.id, c.name),
      userText(c.email),
      c.timezone,
      c.plan_id ? link(href({ view: "plan", id: c.plan_id }), c.plan_id) : "no plan",
      formatLocal(c.created_at, "UTC", true),
    ]),
  );
}

/** The list's heading, its page of customers (or why there are none) and its pager. */
function customersList(route: CustomersRoute, page: CustomerPage): Node[] {
  const parts: Node[] = [h("h2", { id: "customers-list-title" }, "All customers")];
  if (page.data.length === 0) {
    parts.push(note(route.q ? `No customer's name or email starts with “${route.q}”.` : "No customers yet. Create the first one below.", "empty", { id: "customers-empty" }));
  } else {
    const what = route.q ? `matching “${route.q}”` : "";
    parts.push(customersTable(page.data, `${page.data.length} customer${page.data.length === 1 ? "" : "s"} ${what}${route.cursor ? " (later page)" : ""}`.trim()));
  }
  const pages = pager("Customer pages", route, page.next_cursor);
  if (pages) parts.push(pages);
  return parts;
}

function searchForm(route: CustomersRoute, ctx: Ctx): HTMLFormElement {
  const q = field("customer-search", "Search by name or email", input({ type: "search", value: route.q }), "Matches the start of a name or an email address.");
  const search = h(
    "form",
    { class: "search-form", role: "search", "aria-label": "Customers" },
    q.wrap,
    actions(h("button", { type: "submit" }, "Search"), route.q ? link(href({ view: "customers", q: "", cursor: "" }), "Clear search") : null),
  );
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.navigate({ view: "customers", q: q.control.value.trim(), cursor: "" });
  });
  return search;
}

function createForm(api: ApiClient, onCreated: (c: Customer) => void): HTMLFormElement {
  const name = field("customer-name", "Name", input({ autocomplete: "organization" }));
  const email = field("customer-email", "Email", input({ type: "email", autocomplete: "email" }));
  const zone = field(
    "customer-timezone",
    "Timezone",
    input({ list: "timezone-options", value: "UTC" }),
    "IANA name such as Europe/Paris. Billing periods are calendar months in this timezone; it cannot change later.",
  );
  const { alert, status } = feedback("customer-create");
  const form = h(
    "form",
    { class: "card form", id: "customer-form", "aria-labelledby": "customer-form-title", novalidate: true },
    h("h2", { id: "customer-form-title" }, "New customer"),
    h("div", { class: "grid" }, name.wrap, email.wrap, zone.wrap),
    timezoneList(),
    actions(h("button", { type: "submit" }, "Create customer")),
    alert,
    status,
  );
  const controls: Record<string, HTMLElement> = { name: name.control, email: email.control, timezone: zone.control };
  onSubmit(
    form,
    alert,
    async () => {
      const body = { name: name.control.value.trim(), email: email.control.value.trim(), timezone: zone.control.value.trim() || "UTC" };
      const problems = [];
      if (!body.name) problems.push({ path: "name", message: "is required" });
      if (!/^[^@\s]+@[^@\s]+$/.test(body.email)) problems.push({ path: "email", message: "must be an address such as billing@acme.example" });
      if (!isValidTimeZone(body.timezone)) problems.push({ path: "timezone", message: "must be an IANA timezone such as Europe/Paris" });
      if (problems.length) throw new ProblemsError(problems);
      const customer = await api.createCustomer(body);
      form.reset();
      zone.control.value = "UTC";
      status.replaceChildren("Created ", customerLink(customer.id, customer.name), ` (${customer.id}, ${customer.timezone}).`);
      onCreated(customer);
    },
    { status, labels: CUSTOMER_LABELS, resolve: (path) => controls[path] },
  );
  return form;
}

export const customersView: View = async (ctx, route, root) => {
  if (route.view !== "customers") return;
  root.append(pageHeader("Customers"));
  if (!adminViewAllowed(root, "The customer list")) return;
  const list = h("section", { class: "card", "aria-labelledby": "customers-list-title", id: "customers-list" }, h("h2", { id: "customers-list-title" }, "All customers"));
  root.append(searchForm(route, ctx), list);
  const load = async (): Promise<void> => {
    const page = await ctx.api.listCustomers({ limit: PAGE_SIZE, cursor: route.cursor, q: route.q });
    if (!ctx.alive()) return;
    page.data.forEach((c) => ctx.remember(c));
    replaceChildren(list, customersList(route, page));
  };
  if (isAdmin()) root.append(createForm(ctx.api, () => void load()));
  await load();
};
