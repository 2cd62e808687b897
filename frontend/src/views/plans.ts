// Plans: the list, one plan's detail (its prices in words) and the new-plan form. The form's checks
// live in plan-model.ts, the prices editor in plan-editor.ts; this module only lays out and sends.
import type { Plan } from "../api-types.js";
import { adminViewAllowed, isAdmin, loadDetail, pageHeader, type Ctx, type View } from "../context.js";
import { formatMoney, isZeroDecimal } from "../decimal.js";
import { dataTable, facts, h, link, note, userText, userTexts } from "../dom.js";
import { actions, feedback, field, input, onSubmit, ProblemsError } from "../forms.js";
import { pager } from "../pager.js";
import { pricesEditor } from "../plan-editor.js";
import { checkPlan, PLAN_LABELS, priceWords } from "../plan-model.js";
import { href, type Route } from "../routes.js";
import { formatLocal } from "../time.js";

function money(amount: string, currency: string): string {
  return isZeroDecimal(amount) ? "none" : formatMoney(amount, currency);
}

function plansList(route: Extract<Route, { view: "plans" }>, page: { data: Plan[]; next_cursor: string | null }): HTMLElement {
  const list = h("section", { class: "card", id: "plans-list", "aria-labelledby": "plans-list-title" }, h("h2", { id: "plans-list-title" }, "All plans"));
  if (page.data.length === 0) list.append(note("No plans yet.", "empty"));
  else {
    list.append(
      dataTable(
        { id: "plans-table" },
        `${page.data.length} plan${page.data.length === 1 ? "" : "s"}`,
        [{ label: "Plan", kind: "key" }, { label: "Currency" }, { label: "Fee", kind: "num" }, { label: "Minimum", kind: "num" }, { label: "Prices" }],
        page.data.map((p) => [
          link(href({ view: "plan", id: p.id }), userText(p.name)),
          p.currency,
          money(p.amount, p.currency),
          money(p.minimum_amount, p.currency),
          p.prices.length ? h("span", {}, userTexts(p.prices.map((price) => price.feature))) : "none",
        ]),
        true,
      ),
    );
  }
  const pages = pager("Plan pages", route, page.next_cursor);
  if (pages) list.append(pages);
  return list;
}

export const plansView: View = async (ctx, route, root) => {
  if (route.view !== "plans") return;
  root.append(pageHeader("Plans", isAdmin() ? link(href({ view: "plan-new" }), "New plan", { class: "button-link" }) : null));
  if (!adminViewAllowed(root, "The plan list")) return;
  const page = await ctx.api.listPlans({ limit: 50, cursor: route.cursor });
  if (!ctx.alive()) return;
  root.append(plansList(route, page));
};

export function planDetail(plan: Plan): HTMLElement {
  return h(
    "div",
    {},
    h(
      "section",
      { class: "card", "aria-labelledby": "plan-terms" },
      h("h2", { id: "plan-terms" }, "Terms"),
      facts([
        ["Plan ID", h("code", {}, plan.id)],
        ["Currency", plan.currency],
        ["Plan fee per period", money(plan.amount, plan.currency)],
        ["Minimum per period", money(plan.minimum_amount, plan.currency)],
        ["Grace period", `${plan.grace_period_days} day${plan.grace_period_days === 1 ? "" : "s"} after the period before invoices are finalized`],
        ["Created", `${formatLocal(plan.created_at, "UTC")} (UTC)`],
      ]),
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "plan-prices" },
      h("h2", { id: "plan-prices" }, "Prices"),
      plan.prices.length
        ? h("ul", { class: "price-words", id: "plan-price-list" }, plan.prices.map((p) => h("li", {}, priceWords(p, plan.currency, userText))))
        : note("No usage prices: the plan charges its minimum only.", "empty"),
      h("p", { class: "hint" }, "Usage of features the plan does not price is billed at the billing run's unit price."),
    ),
  );
}

export const planView: View = async (ctx, route, root) => {
  if (route.view !== "plan") return;
  const notFound = [note(`There is no plan ${route.id}.`, "warning")];
  const plan = await loadDetail(ctx, root, { title: "Plan", needsKey: "A plan", notFound }, () => ctx.api.getPlan(route.id));
  if (!plan) return;
  root.append(pageHeader(userText(plan.name), isAdmin() ? link(href({ view: "plans", cursor: "" }), "All plans") : null), planDetail(plan));
};

function newPlanForm(ctx: Ctx): HTMLFormElement {
  const name = field("plan-name", "Plan name", input({ placeholder: "Growth" }));
  const currency = field("plan-currency", "Currency", input({ value: "USD", maxlength: 3 }), "ISO 4217 code; every amount of the plan is in it.");
  const fee = field("plan-fee", "Plan fee", input({ inputmode: "decimal", placeholder: "none" }), "Charged every period whatever the usage, and counted towards the minimum (optional).");
  const minimum = field("plan-minimum", "Minimum amount", input({ inputmode: "decimal", placeholder: "none" }), "Charged per period when usage costs less (optional).");
  const grace = field("plan-grace-days", "Grace period (days)", input({ inputmode: "numeric", value: "0" }), "Days after a period ends before its invoices are finalized.");
  const prices = pricesEditor();
  const { alert, status } = feedback("plan");
  const form = h(
    "form",
    { class: "card form", id: "plan-form", novalidate: true, "aria-label": "New plan" },
    h("div", { class: "grid" }, name.wrap, currency.wrap, fee.wrap, minimum.wrap, grace.wrap),
    h("h2", {}, "Prices"),
    prices.el,
    actions(h("button", { type: "submit" }, "Create plan")),
    alert,
    status,
  );
  const top: Record<string, HTMLElement> = {
    name: name.control,
    currency: currency.control,
    amount: fee.control,
    minimum_amount: minimum.control,
    grace_period_days: grace.control,
  };
  onSubmit(
    form,
    alert,
    async () => {
      const { body, problems } = checkPlan({
        name: name.control.value,
        currency: currency.control.value,
        fee: fee.control.value,
        minimum: minimum.control.value,
        graceDays: grace.control.value,
        prices: prices.values(),
      });
      if (problems.length) throw new ProblemsError(problems);
      const plan = await ctx.api.createPlan(body);
      ctx.navigate({ view: "plan", id: plan.id });
    },
    { status, labels: PLAN_LABELS, resolve: (path) => top[path] ?? prices.control(path) },
  );
  return form;
}

export const planNewView: View = async (ctx, route, root) => {
  if (route.view !== "plan-new") return;
  root.append(pageHeader("New plan"));
  if (!adminViewAllowed(root, "Creating a plan")) return;
  root.append(newPlanForm(ctx));
};
