// The dashboard's addresses: hash routes such as #/customers/cus_1 or #/invoices?status=draft.
// Pure (no DOM): unit-tested with `node --test`. Hash routing works on any static host (S3, the
// local gateway) without a server rewrite, and deep links and the back button work.

export type Route =
  | { view: "overview" }
  | { view: "customers"; q: string; cursor: string }
  | { view: "customer"; id: string }
  | { view: "plans"; cursor: string }
  | { view: "plan-new" }
  | { view: "plan"; id: string }
  | { view: "invoices"; status: string; period: string; customer: string; cursor: string }
  | { view: "invoice"; id: string }
  | { view: "events"; customer: string }
  | { view: "billing"; run: string }
  | { view: "settings" }
  | { view: "not-found"; path: string };

export type ViewName = Route["view"];

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The route of a location hash ("#/customers?q=acme"); "" and "#/" are the overview. */
export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, "");
  const [rawPath = "", rawQuery = ""] = text.split("?", 2);
  const path = rawPath.replace(/^\/+|\/+$/g, "");
  const query = new URLSearchParams(rawQuery);
  const q = (name: string): string => query.get(name) ?? "";
  const parts = path ? path.split("/").map(decode) : [];
  const [head = "", id, extra] = parts;
  if (extra !== undefined) return { view: "not-found", path };
  switch (head) {
    case "":
      return { view: "overview" };
    case "customers":
      return id ? { view: "customer", id } : { view: "customers", q: q("q"), cursor: q("cursor") };
    case "plans":
      if (id === "new") return { view: "plan-new" };
      return id ? { view: "plan", id } : { view: "plans", cursor: q("cursor") };
    case "invoices":
      return id
        ? { view: "invoice", id }
        : { view: "invoices", status: q("status"), period: q("period"), customer: q("customer_id"), cursor: q("cursor") };
    case "events":
      return id ? { view: "not-found", path } : { view: "events", customer: q("customer_id") };
    case "billing":
      return id ? { view: "not-found", path } : { view: "billing", run: q("run") };
    case "settings":
      return id ? { view: "not-found", path } : { view: "settings" };
    default:
      return { view: "not-found", path };
  }
}

function withQuery(path: string, query: Record<string, string>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** The hash of a route: parseRoute(href(r)) equals r. */
export function href(route: Route): string {
  const id = (value: string): string => encodeURIComponent(value);
  switch (route.view) {
    case "overview":
      return "#/";
    case "customers":
      return withQuery("#/customers", { q: route.q, cursor: route.cursor });
    case "customer":
      return `#/customers/${id(route.id)}`;
    case "plans":
      return withQuery("#/plans", { cursor: route.cursor });
    case "plan-new":
      return "#/plans/new";
    case "plan":
      return `#/plans/${id(route.id)}`;
    case "invoices":
      return withQuery("#/invoices", {
        status: route.status,
        period: route.period,
        customer_id: route.customer,
        cursor: route.cursor,
      });
    case "invoice":
      return `#/invoices/${id(route.id)}`;
    case "events":
      return withQuery("#/events", { customer_id: route.customer });
    case "billing":
      return withQuery("#/billing", { run: route.run });
    case "settings":
      return "#/settings";
    case "not-found":
      return `#/${route.path}`;
  }
}

/** The top-level section a route belongs to (the navigation link shown as current). */
export function section(route: Route): "overview" | "customers" | "plans" | "invoices" | "events" | "billing" | "settings" | null {
  switch (route.view) {
    case "customer":
      return "customers";
    case "plan":
    case "plan-new":
      return "plans";
    case "invoice":
      return "invoices";
    case "not-found":
      return null;
    default:
      return route.view;
  }
}
