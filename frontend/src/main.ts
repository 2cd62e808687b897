// Entry point: the router. Each view has its own address (#/customers/cus_1, #/invoices?status=draft);
// a hash change renders the view into <main>, marks its navigation link as current and moves focus to
// its heading, so deep links, the back button and screen readers all work.
import { ApiClient } from "./api.js";
import type { Customer } from "./api-types.js";
import { hasKey, isAdmin, type Ctx, type View } from "./context.js";
import { byId, h, link, replaceChildren } from "./dom.js";
import { explainError } from "./errors.js";
import { href, parseRoute, section, type Route } from "./routes.js";
import { getConfig } from "./settings.js";
import { billingView } from "./views/billing.js";
import { customerView } from "./views/customer.js";
import { customersView } from "./views/customers.js";
import { eventsView } from "./views/events.js";
import { invoiceView } from "./views/invoice.js";
import { invoicesView } from "./views/invoices.js";
import { overviewView } from "./views/overview.js";
import { planNewView, planView, plansView } from "./views/plans.js";
import { refreshKeyScope, settingsView } from "./views/settings.js";

const VIEWS: Record<Route["view"], View> = {
  overview: overviewView,
  customers: customersView,
  customer: customerView,
  plans: plansView,
  "plan-new": planNewView,
  plan: planView,
  invoices: invoicesView,
  invoice: invoiceView,
  events: eventsView,
  billing: billingView,
  settings: settingsView,
  "not-found": async (_ctx, route, root) => {
    replaceChildren(
      root,
      h("h1", { id: "view-title", tabindex: "-1" }, "Page not found"),
      h("p", {}, `There is no page at #/${route.view === "not-found" ? route.path : ""}. `, link("#/", "Go to the overview"), "."),
    );
  },
};

const TITLES: Record<string, string> = {
  overview: "Overview",
  customers: "Customers",
  plans: "Plans",
  invoices: "Invoices",
  events: "Events",
  billing: "Billing",
  settings: "Settings",
};

/** Navigation links that need an admin key (a customer key sees its own customer page only). */
const ADMIN_ONLY = new Set(["overview", "customers", "plans", "invoices", "billing"]);

function start(): void {
  const api = new ApiClient(getConfig);
  const main = byId("main", HTMLElement);
  const viewRoot = byId("view", HTMLElement);
  const nav = byId("nav", HTMLElement);
  const cache = new Map<string, Customer>();
  let generation = 0;
  let first = true;
  let shown: Route = { view: "overview" };

  const updateChrome = (route: Route): void => {
    const current = section(route);
    const scoped = hasKey() && !isAdmin();
    for (const a of nav.querySelectorAll<HTMLAnchorElement>("a[data-section]")) {
      const name = a.dataset["section"] ?? "";
      if (name === current) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
      const item = a.closest("li");
      if (item) item.hidden = scoped && ADMIN_ONLY.has(name);
    }
    const mine = nav.querySelector<HTMLElement>("[data-own-customer]");
    if (mine) {
      mine.hidden = !scoped;
      const a = mine.querySelector("a");
      if (a && scoped) a.href = href({ view: "customer", id: getConfig().keyCustomerId });
    }
  };

  const render = async (): Promise<void> => {
    let route = parseRoute(location.hash);
    // With a customer-scoped key the home page is that customer's page.
    if (route.view === "overview" && hasKey() && !isAdmin()) route = { view: "customer", id: getConfig().keyCustomerId };
    const mine = ++generation;
    const ctx: Ctx = {
      api,
      navigate: (r) => {
        if (location.hash === href(r)) void render(); // the same address: show it afresh
        else location.hash = href(r);
      },
      alive: () => mine === generation,
      customer: async (id) => {
        const known = cache.get(id);
        if (known) return known;
        try {
          const c = await api.getCustomer(id);
          cache.set(id, c);
          return c;
        } catch {
          return null;
        }
      },
      remember: (c) => {
        cache.set(c.id, c);
      },
    };
    shown = route;
    updateChrome(route);
    const root = h("div", { class: `view view-${route.view}` });
    viewRoot.replaceChildren(root);
    main.setAttribute("aria-busy", "true");
    try {
      await VIEWS[route.view](ctx, route, root);
    } catch (error) {
      if (mine === generation) root.append(h("div", { class: "form-alert", role: "alert" }, h("p", {}, explainError(error).summary)));
    } finally {
      if (mine === generation) main.removeAttribute("aria-busy");
    }
    if (mine !== generation) return;
    const heading = root.querySelector("h1");
    document.title = `${heading?.textContent ?? TITLES[section(route) ?? ""] ?? "Page"} · Billing dashboard`;
    if (!first) heading?.focus();
    first = false;
    document.documentElement.dataset["ready"] = "true";
  };

  window.addEventListener("hashchange", () => {
    if (location.hash && !location.hash.startsWith("#/")) return; // an in-page anchor, not a view
    void render();
  });
  document.addEventListener("settings-saved", () => {
    cache.clear();
    updateChrome(shown);
  });
  byId("skip-link", HTMLAnchorElement).addEventListener("click", (event) => {
    event.preventDefault();
    (main.querySelector<HTMLElement>("h1") ?? main).focus();
  });
  // What the saved key may do is asked of the API (GET /v1/whoami) before the first view is drawn.
  void refreshKeyScope().then(render);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
