// Plans: the list, one plan's detail (its prices in words) and the new-plan form. The form's checks
// live in plan-model.ts, the prices editor in plan-editor.ts; this module only lays out and sends.
import { ApiError } from "../api.js";
import type { Plan } from "../api-types.js";
import { adminViewAllowed, hasKey, isAdmin, noKeyNotice, pageHeader, type View } from "../context.js";
import { formatMoney, isZeroDecimal } from "../decimal.js";
import { dataTable, facts, h, link, note } from "../dom.js";
import { isMissingRoute } from "../errors.js";
import { actions, feedback, field, input, ProblemsError, submitting } from "../forms.js";
import { pricesEditor } from "../plan-editor.js";
import { checkPlan, PLAN_LABELS, priceInWords } from "../plan-model.js";
import { href } from "../routes.js";
import { formatLocal } from "../time.js";

export const plansView: View = async (ctx, route, root) => {
  if (route.view !== "plans") return;
  root.append(pageHeader("Plans", isAdmin() ? link(href({ view: "plan-new" }), "New plan", { class: "button-link" }) : null));
  if (!adminViewAllowed(root, "The plan list")) return;
  const page = await ctx.api.listPlans({ limit: 50, cursor: route.cursor });
  if (!ctx.alive()) return;
  const list = h("section", { class: "card", id: "plans-list", "aria-labelledby": "plans-list-title" }, h("h2", { id: "plans-list-title" }, "All plans"));
  if (page.data.length === 0) list.append(note("No plans yet.", "empty"));
  else {
    list.append(
      dataTable(
        { id: "plans-table" },
        `${page.data.length} plan${page.data.length === 1 ? "" : "s"}`,
        [{ label: "Plan", kind: "key" }, { label: "Currency" }, { label: "Fee", kind: "num" }, { label: "Minimum", kind: "num" }, { label: "Prices" }],
        page.data.map((p) => [
          link(href({ view: "plan", id: p.id }), p.name),
          p.currency,
          isZeroDecimal(p.amount ?? "0") ? "none" : formatMoney(p.amount, p.currency),
          isZeroDecimal(p.minimum_amount) ? "none" : formatMoney(p.minimum_amount, p.currency),
          p.prices.map((price) => price.feature).join(", ") || "none",
        ]),
        true,
      ),
    );
  }
  const pager = h("nav", { class: "pager", "aria-label": "Plan pages" });
  if (route.cursor) pager.append(link(href({ view: "plans", cursor: "" }), "First page"));
  if (page.next_cursor) pager.append(link(href({ view: "plans", cursor: page.next_cursor }), "Next page", { rel: "next" }));
  if (pager.childElementCount) list.append(pager);
  root.append(list);
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
        ["Plan fee per period", isZeroDecimal(plan.amount ?? "0") ? "none" : formatMoney(plan.amount, plan.currency)],
        ["Minimum per period", isZeroDecimal(plan.minimum_amount) ? "none" : formatMoney(plan.minimum_amount, plan.currency)],
        ["Grace period", `${plan.grace_period_days} day${plan.grace_period_days === 1 ? "" : "s"} after the period before invoices are finalized`],
        ["Created", `${formatLocal(plan.created_at, "UTC")} (UTC)`],
      ]),
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "plan-prices" },
      h("h2", { id: "plan-prices" }, "Prices"),
      plan.prices.length
        ? h("ul", { class: "price-words", id: "plan-price-list" }, plan.prices.map((p) => h("li", {}, priceInWords(p, plan.currency))))
        : note("No usage prices: the plan charges its minimum only.", "empty"),
      h("p", { class: "hint" }, "Usage of features the plan does not price is billed at the billing run's unit price."),
    ),
  );
}

export const planView: View = async (ctx, route, root) => {
  if (route.view !== "plan") return;
  if (!hasKey()) {
    root.append(pageHeader("Plan"), noKeyNotice("A plan"));
    return;
  }
  let plan: Plan;
  try {
    plan = await ctx.api.getPlan(route.id);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && !isMissingRoute(error)) {
      root.append(pageHeader("Plan not found"), note(`There is no plan ${route.id}.`, "warning"));
      return;
    }
    throw error;
  }
  if (!ctx.alive()) return;
  root.append(pageHeader(plan.name, isAdmin() ? link(href({ view: "plans", cursor: "" }), "All plans") : null), planDetail(plan));
};

export const planNewView: View = async (ctx, route, root) => {
  if (route.view !== "plan-new") return;
  root.append(pageHeader("New plan"));
  if (!adminViewAllowed(root, "Creating a plan")) return;
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
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    status.textContent = "";
    void submitting(
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
      { labels: PLAN_LABELS, resolve: (path) => top[path] ?? prices.control(path) },
    );
  });
  root.append(form);
};
