// What every view receives: the API client, the settings, navigation, and a small cache of customers
// (invoice lists name their customers).
import { ApiError, type ApiClient } from "./api.js";
import type { Customer } from "./api-types.js";
import { h, link, userText } from "./dom.js";
import { isMissingRoute } from "./errors.js";
import { href, type Route } from "./routes.js";
import { getConfig } from "./settings.js";

export interface Ctx {
  api: ApiClient;
  navigate(route: Route): void;
  /** False once the user has gone to another view: a slow reply must not draw into a page left behind. */
  alive(): boolean;
  customer(id: string): Promise<Customer | null>;
  remember(customer: Customer): void;
}

export type View = (ctx: Ctx, route: Route, root: HTMLElement) => Promise<void>;

export function hasKey(): boolean {
  return getConfig().apiKey !== "";
}

/** Admin-only actions are hidden with a customer-scoped key. */
export function isAdmin(): boolean {
  return hasKey() && getConfig().keyCustomerId === "";
}

/** The plain notice every view shows instead of its data when no key is saved. */
export function noKeyNotice(what: string): HTMLElement {
  return h(
    "div",
    { class: "note note-warning no-key", role: "note" },
    h("p", {}, h("strong", {}, "No API key is set."), ` ${what} needs one.`),
    h("p", {}, "Paste your key in ", link(href({ view: "settings" }), "Settings"), "."),
  );
}

/** What an administrator's page says to a customer key instead of asking the API (which would refuse). */
export function adminOnlyNotice(what: string): HTMLElement {
  const own = getConfig().keyCustomerId;
  return h(
    "div",
    { class: "note note-warning admin-only", role: "note" },
    h("p", {}, h("strong", {}, `${what} needs an administrator key.`), " The saved key is a customer's key."),
    h("p", {}, "See ", link(href({ view: "customer", id: own }), "your account"), ", or change the key in ", link(href({ view: "settings" }), "Settings"), "."),
  );
}

/** Whether an administrator's view may go on; if not, `root` says why (no key, or a customer's key). */
export function adminViewAllowed(root: HTMLElement, what: string, adminWhat: string = what): boolean {
  if (!hasKey()) {
    root.append(noKeyNotice(what));
    return false;
  }
  if (!isAdmin()) {
    root.append(adminOnlyNotice(adminWhat));
    return false;
  }
  return true;
}

export interface DetailPage {
  /** The page's title while it has no record to name it: "Plan". */
  title: string;
  /** What needs a key, for the notice shown without one: "A plan". */
  needsKey: string;
  /** What the page says when there is no such record, under "<title> not found". */
  notFound: Node[];
}

/**
 * The record a detail page shows, or null once `root` says why there is none: no key is saved, or the API
 * has no such record (its `not_found` 404; a missing route is an error like any other). Null too when the
 * user has left the page meanwhile.
 */
export async function loadDetail<T>(ctx: Ctx, root: HTMLElement, page: DetailPage, load: () => Promise<T>): Promise<T | null> {
  if (!hasKey()) {
    root.append(pageHeader(page.title), noKeyNotice(page.needsKey));
    return null;
  }
  let record: T;
  try {
    record = await load();
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && !isMissingRoute(error)) {
      root.append(pageHeader(`${page.title} not found`), ...page.notFound);
      return null;
    }
    throw error;
  }
  return ctx.alive() ? record : null;
}

export function pageHeader(title: string | Node, ...extra: (Node | string | null)[]): HTMLElement {
  return h("div", { class: "page-header" }, h("h1", { id: "view-title", tabindex: "-1" }, title), ...extra);
}

/** A link to a customer, named by its name (as someone's text) and, with `withId`, its id after it. */
export function customerLink(id: string, name?: string, withId = false): HTMLAnchorElement {
  const text = name === undefined ? id : [userText(name), withId ? ` (${id})` : null];
  return link(href({ view: "customer", id }), text);
}

export function invoiceLink(id: string, text?: string): HTMLAnchorElement {
  return link(href({ view: "invoice", id }), text ?? id);
}
