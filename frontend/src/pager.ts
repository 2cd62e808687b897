// The pager under a list the API pages by cursor: "First page" on a later page and "Next page" while there is
// one, each page an address of its own so the back button walks back through them.
import { h, link } from "./dom.js";
import { href, type Route } from "./routes.js";

/** The views whose lists are paged. */
export type PagedRoute = Extract<Route, { cursor: string }>;

/** The pager of `route`'s list (`label` names it for screen readers); null when there is one page only. */
export function pager(label: string, route: PagedRoute, nextCursor: string | null): HTMLElement | null {
  const nav = h("nav", { class: "pager", "aria-label": label });
  if (route.cursor) nav.append(link(href({ ...route, cursor: "" }), "First page"));
  if (nextCursor) nav.append(link(href({ ...route, cursor: nextCursor }), "Next page", { rel: "next" }));
  return nav.childElementCount ? nav : null;
}
