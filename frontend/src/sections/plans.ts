// Plans: create one (prices editor or raw JSON), list them, and assign one to a customer.
// Every amount stays the decimal string the user typed or the API returned.
import {
  AGGREGATIONS,
  ApiError,
  PRICE_MODELS,
  type ApiClient,
  type NewPlan,
  type Plan,
  type PriceSpec,
  type Tier,
} from "../api.js";
import { addCustomer, bindCustomerPicker } from "../customers-store.js";
import { isDecimalString } from "../decimal.js";
import { byId, h, InputError, replaceChildren, requireValue, runAction, table } from "../dom.js";

export interface PlansSection {
  refresh(): Promise<void>;
}

type Control = HTMLInputElement | HTMLSelectElement;

/** A visible label bound to its control; ids are (re)assigned when rows are renumbered. */
interface Labeled<T extends Control> {
  wrap: HTMLDivElement;
  label: HTMLLabelElement;
  control: T;
}

function labeled<T extends Control>(text: string, control: T, cls: string): Labeled<T> {
  const label = h("label", {}, text);
  return { wrap: h("div", { class: `field ${cls}` }, label, control), label, control };
}

function setId(field: Labeled<Control>, id: string): void {
  field.control.id = id;
  field.label.htmlFor = id;
}

function textInput(attrs: Record<string, string> = {}): HTMLInputElement {
  return h("input", { type: "text", autocomplete: "off", spellcheck: "false", ...attrs });
}

function options(select: HTMLSelectElement, values: readonly string[], selected: string): HTMLSelectElement {
  replaceChildren(
    select,
    values.map((v) => h("option", { value: v }, v)),
  );
  select.value = selected;
  return select;
}

interface TierRow {
  el: HTMLDivElement;
  name: HTMLSpanElement;
  upTo: Labeled<HTMLInputElement>;
  unitAmount: Labeled<HTMLInputElement>;
  flatAmount: Labeled<HTMLInputElement>;
  remove: HTMLButtonElement;
}

interface PriceRow {
  el: HTMLFieldSetElement;
  legend: HTMLLegendElement;
  feature: Labeled<HTMLInputElement>;
  model: Labeled<HTMLSelectElement>;
  aggregation: Labeled<HTMLSelectElement>;
  property: Labeled<HTMLInputElement>;
  propertySlot: HTMLDivElement;
  modelSlot: HTMLDivElement;
  // The blocks of every model live in memory; only the chosen model's is in the page, so a model
  // switch keeps what was typed and hidden fields are never sent (the API refuses foreign keys).
  unitAmount: Labeled<HTMLInputElement>;
  unitBlock: HTMLDivElement;
  packageSize: Labeled<HTMLInputElement>;
  packageAmount: Labeled<HTMLInputElement>;
  packageBlock: HTMLDivElement;
  tiers: TierRow[];
  tierRows: HTMLDivElement;
  addTier: HTMLButtonElement;
  tiersBlock: HTMLFieldSetElement;
  remove: HTMLButtonElement;
}

const TIERED = new Set(["graduated", "volume"]);

/** Short text of one price for the plans table, e.g. "graduated · sum: ≤ 100 at 0; ≤ 1000 at 0.01; above at 0.002 + 5 flat". */
export function describePrice(price: PriceSpec): string {
  const head = `${price.model} · ${price.aggregation ?? "sum"}${price.property ? ` of ${price.property}` : ""}`;
  const flat = (t: Tier): string => (t.flat_amount && !/^0*\.?0*$/.test(t.flat_amount) ? ` + ${t.flat_amount} flat` : "");
  if (Array.isArray(price.tiers)) {
    const tiers = price.tiers.map((t) => `${t.up_to === null ? "above" : `≤ ${t.up_to}`} at ${t.unit_amount}${flat(t)}`);
    return `${head}: ${tiers.join("; ")}`;
  }
  if (price.package_size !== undefined) return `${head}: ${price.package_amount ?? "?"} per ${price.package_size}`;
  return `${head}: ${price.unit_amount ?? "?"} per unit`;
}

export function initPlans(api: ApiClient): PlansSection {
  const section = byId("plans", HTMLElement);
  const form = byId("plan-form", HTMLFormElement);
  const name = byId("plan-name", HTMLInputElement);
  const currency = byId("plan-currency", HTMLInputElement);
  const minimum = byId("plan-minimum", HTMLInputElement);
  const graceDays = byId("plan-grace-days", HTMLInputElement);
  const rowsContainer = byId("price-rows", HTMLElement);
  const addPriceButton = byId("price-add", HTMLButtonElement);
  const rawForm = byId("plan-raw-form", HTMLFormElement);
  const raw = byId("plan-raw", HTMLTextAreaElement);
  const fromForm = byId("plan-raw-from-form", HTMLButtonElement);
  const assignForm = byId("plan-assign-form", HTMLFormElement);
  const assignCustomer = bindCustomerPicker("assign");
  const assignPlan = byId("assign-plan", HTMLSelectElement);
  const error = byId("plans-error", HTMLElement);
  const status = byId("plans-status", HTMLElement);
  const refreshButton = byId("plans-refresh", HTMLButtonElement);
  const list = byId("plans-list", HTMLElement);

  let plans: Plan[] = [];
  const rows: PriceRow[] = [];

  // ---- prices editor ------------------------------------------------------------------------------

  const renumber = (): void => {
    rows.forEach((row, i) => {
      const n = i + 1;
      row.el.dataset["index"] = String(i);
      row.legend.textContent = `Price ${n}`;
      setId(row.feature, `price-feature-${i}`);
      setId(row.model, `price-model-${i}`);
      setId(row.aggregation, `price-aggregation-${i}`);
      setId(row.property, `price-property-${i}`);
      setId(row.unitAmount, `price-unit-amount-${i}`);
      setId(row.packageSize, `price-package-size-${i}`);
      setId(row.packageAmount, `price-package-amount-${i}`);
      row.remove.setAttribute("aria-label", `Remove price ${n}`);
      row.addTier.setAttribute("aria-label", `Add tier to price ${n}`);
      row.tiers.forEach((tier, j) => {
        const prefix = `price-${i}-tier-${j}`;
        tier.name.id = `${prefix}-name`;
        tier.name.textContent = `Tier ${j + 1}`;
        tier.el.setAttribute("aria-labelledby", tier.name.id);
        setId(tier.upTo, `${prefix}-up-to`);
        setId(tier.unitAmount, `${prefix}-unit-amount`);
        setId(tier.flatAmount, `${prefix}-flat-amount`);
        tier.remove.setAttribute("aria-label", `Remove tier ${j + 1} of price ${n}`);
        tier.remove.disabled = row.tiers.length === 1;
      });
    });
    rowsContainer.dataset["empty"] = String(rows.length === 0);
  };

  const addTier = (row: PriceRow, values: Partial<Record<"upTo" | "unitAmount" | "flatAmount", string>> = {}): TierRow => {
    const tier: TierRow = {
      el: h("div", { class: "tier-row", role: "group" }),
      name: h("span", { class: "tier-name" }, "Tier"),
      upTo: labeled("Up to", textInput({ inputmode: "decimal", placeholder: "blank = no limit", value: values.upTo ?? "" }), "field-up-to"),
      unitAmount: labeled("Unit amount", textInput({ inputmode: "decimal", placeholder: "0.01", value: values.unitAmount ?? "" }), "field-unit-amount"),
      flatAmount: labeled("Flat amount", textInput({ inputmode: "decimal", placeholder: "0", value: values.flatAmount ?? "" }), "field-flat-amount"),
      remove: h("button", { type: "button", class: "secondary small" }, "Remove tier"),
    };
    tier.el.append(tier.name, tier.upTo.wrap, tier.unitAmount.wrap, tier.flatAmount.wrap, tier.remove);
    tier.remove.addEventListener("click", () => {
      if (row.tiers.length <= 1) return;
      const index = row.tiers.indexOf(tier);
      row.tiers.splice(index, 1);
      tier.el.remove();
      renumber();
      row.tiers[Math.min(index, row.tiers.length - 1)]?.upTo.control.focus();
    });
    row.tiers.push(tier);
    row.tierRows.append(tier.el);
    renumber();
    return tier;
  };

  const showModelFields = (row: PriceRow): void => {
    const model = row.model.control.value;
    if (TIERED.has(model)) {
      if (row.tiers.length === 0) addTier(row);
      replaceChildren(row.modelSlot, row.tiersBlock);
    } else if (model === "package") replaceChildren(row.modelSlot, row.packageBlock);
    else replaceChildren(row.modelSlot, row.unitBlock);
  };

  const showProperty = (row: PriceRow): void => {
    if (row.aggregation.control.value === "unique_count") replaceChildren(row.propertySlot, row.property.wrap);
    else row.propertySlot.replaceChildren();
  };

  const addPrice = (values: { feature?: string; model?: string; aggregation?: string } = {}): PriceRow => {
    const unitAmount = labeled("Unit amount", textInput({ inputmode: "decimal", placeholder: "0.01" }), "field-unit-amount");
    const packageSize = labeled("Package size", textInput({ inputmode: "decimal", placeholder: "100" }), "field-package-size");
    const packageAmount = labeled("Package amount", textInput({ inputmode: "decimal", placeholder: "1.50" }), "field-package-amount");
    const tierRows = h("div", { class: "tier-rows" });
    const addTierButton = h("button", { type: "button", class: "secondary small" }, "Add tier");
    const row: PriceRow = {
      el: h("fieldset", { class: "price-row" }),
      legend: h("legend", {}, "Price"),
      feature: labeled("Feature", textInput({ placeholder: "api_calls", value: values.feature ?? "" }), "field-feature"),
      model: labeled("Model", options(h("select"), PRICE_MODELS, values.model ?? "per_unit"), "field-model"),
      aggregation: labeled("Aggregation", options(h("select"), AGGREGATIONS, values.aggregation ?? "sum"), "field-aggregation"),
      property: labeled("Property (for unique_count)", textInput({ placeholder: "user_id" }), "field-property"),
      propertySlot: h("div", { class: "slot" }),
      modelSlot: h("div", { class: "model-fields" }),
      unitAmount,
      unitBlock: h("div", { class: "model-block" }, unitAmount.wrap),
      packageSize,
      packageAmount,
      packageBlock: h("div", { class: "model-block" }, packageSize.wrap, packageAmount.wrap),
      tiers: [],
      tierRows,
      addTier: addTierButton,
      tiersBlock: h(
        "fieldset",
        { class: "tiers" },
        h("legend", {}, "Tiers"),
        h("p", { class: "hint" }, "Ascending; leave Up to blank on the last, open-ended tier."),
        tierRows,
        h("div", { class: "actions" }, addTierButton),
      ),
      remove: h("button", { type: "button", class: "remove-row secondary small" }, "Remove price"),
    };
    row.el.append(
      row.legend,
      h("div", { class: "price-head" }, row.feature.wrap, row.model.wrap, row.aggregation.wrap, row.propertySlot),
      row.modelSlot,
      h("div", { class: "price-actions" }, row.remove),
    );
    row.model.control.addEventListener("change", () => showModelFields(row));
    row.aggregation.control.addEventListener("change", () => showProperty(row));
    addTierButton.addEventListener("click", () => addTier(row).upTo.control.focus());
    row.remove.addEventListener("click", () => {
      const index = rows.indexOf(row);
      rows.splice(index, 1);
      row.el.remove();
      renumber();
      (rows[Math.min(index, rows.length - 1)]?.feature.control ?? addPriceButton).focus();
    });
    rows.push(row);
    rowsContainer.append(row.el);
    renumber();
    showModelFields(row);
    showProperty(row);
    return row;
  };

  addPriceButton.addEventListener("click", () => addPrice().feature.control.focus());

  // ---- reading the form ---------------------------------------------------------------------------

  /** The body as typed, without checks (for "Copy form to JSON"). */
  const priceSpec = (row: PriceRow): PriceSpec => {
    const model = row.model.control.value;
    const spec: PriceSpec = { feature: row.feature.control.value.trim(), model, aggregation: row.aggregation.control.value };
    if (spec.aggregation === "unique_count") spec.property = row.property.control.value.trim();
    if (TIERED.has(model)) {
      spec.tiers = row.tiers.map((t) => {
        const tier: Tier = { up_to: t.upTo.control.value.trim() || null, unit_amount: t.unitAmount.control.value.trim() };
        const flat = t.flatAmount.control.value.trim();
        if (flat) tier.flat_amount = flat;
        return tier;
      });
    } else if (model === "package") {
      spec.package_size = row.packageSize.control.value.trim();
      spec.package_amount = row.packageAmount.control.value.trim();
    } else {
      spec.unit_amount = row.unitAmount.control.value.trim();
    }
    return spec;
  };

  const planBody = (): NewPlan => {
    const body: NewPlan = { name: name.value.trim(), currency: currency.value.trim() || "USD", prices: rows.map(priceSpec) };
    const min = minimum.value.trim();
    if (min) body.minimum_amount = min;
    const grace = graceDays.value.trim();
    if (/^\d+$/.test(grace)) body.grace_period_days = Number.parseInt(grace, 10); // a count of days, not money
    return body;
  };

  /** The body, checked before it is sent: every problem is listed and its input marked. */
  const collectPlan = (): NewPlan => {
    const problems: string[] = [];
    const invalid: HTMLElement[] = [];
    const flag = (input: HTMLElement, message: string): void => {
      invalid.push(input);
      problems.push(message);
    };
    const decimal = (input: HTMLInputElement, what: string, required = true): void => {
      const value = input.value.trim();
      if (!value) {
        if (required) flag(input, `${what} is required.`);
      } else if (!isDecimalString(value)) flag(input, `${what} must be a decimal number like 0.01.`);
    };
    if (!name.value.trim()) flag(name, "Plan name is required.");
    decimal(minimum, "Minimum amount", false);
    const grace = graceDays.value.trim();
    if (grace && (!/^\d+$/.test(grace) || Number.parseInt(grace, 10) > 365)) {
      flag(graceDays, "Grace period must be a whole number of days from 0 to 365.");
    }
    rows.forEach((row, i) => {
      const p = `Price ${i + 1}`;
      if (!row.feature.control.value.trim()) flag(row.feature.control, `${p}: Feature is required.`);
      if (row.aggregation.control.value === "unique_count" && !row.property.control.value.trim()) {
        flag(row.property.control, `${p}: Property is required with unique_count.`);
      }
      const model = row.model.control.value;
      if (TIERED.has(model)) {
        row.tiers.forEach((t, j) => {
          const q = `${p}, tier ${j + 1}`;
          decimal(t.upTo.control, `${q}: Up to`, false);
          decimal(t.unitAmount.control, `${q}: Unit amount`);
          decimal(t.flatAmount.control, `${q}: Flat amount`, false);
        });
      } else if (model === "package") {
        decimal(row.packageSize.control, `${p}: Package size`);
        decimal(row.packageAmount.control, `${p}: Package amount`);
      } else {
        decimal(row.unitAmount.control, `${p}: Unit amount`);
      }
    });
    if (invalid.length) throw new InputError(problems.join(" "), invalid);
    return planBody();
  };

  /** Marks the inputs named by server field errors such as "prices[0].tiers[2].up_to". */
  const markFieldErrors = (e: ApiError): void => {
    const top: Record<string, HTMLElement> = {
      name,
      currency,
      minimum_amount: minimum,
      grace_period_days: graceDays,
    };
    for (const { field } of e.fields) {
      let target: HTMLElement | undefined = top[field];
      const match = /^prices\[(\d+)\](?:\.tiers(?:\[(\d+)\])?)?(?:\.(\w+))?/.exec(field);
      const row = match ? rows[Number(match[1])] : undefined;
      if (match && row) {
        const key = match[3];
        if (field.includes(".tiers")) {
          const tier = row.tiers[Number(match[2] ?? 0)];
          target =
            key === "unit_amount" ? tier?.unitAmount.control : key === "flat_amount" ? tier?.flatAmount.control : tier?.upTo.control;
        } else {
          const byKey: Record<string, HTMLElement> = {
            feature: row.feature.control,
            model: row.model.control,
            aggregation: row.aggregation.control,
            property: row.property.control,
            unit_amount: row.unitAmount.control,
            package_size: row.packageSize.control,
            package_amount: row.packageAmount.control,
          };
          target = (key ? byKey[key] : undefined) ?? row.feature.control;
        }
      }
      target?.setAttribute("aria-invalid", "true");
    }
  };

  // ---- list and assign ----------------------------------------------------------------------------

  const planLabel = (p: Plan): string => `${p.name} · ${p.currency} · ${p.id}`;

  const renderPlans = (): void => {
    const selected = assignPlan.value;
    replaceChildren(assignPlan, [
      h("option", { value: "" }, plans.length ? "— Select a plan —" : "— No plans loaded —"),
      ...plans.map((p) => h("option", { value: p.id }, planLabel(p))),
    ]);
    assignPlan.value = plans.some((p) => p.id === selected) ? selected : "";

    if (plans.length === 0) {
      replaceChildren(list, h("p", { class: "empty" }, "No plans yet."));
      return;
    }
    replaceChildren(
      list,
      table(
        { id: "plans-table", class: "data-table" },
        `${plans.length} plan${plans.length === 1 ? "" : "s"}`,
        ["ID", "Name", "Currency", "Minimum", "Grace (days)", "Prices"],
        plans.map((p) => [
          h("code", {}, p.id),
          p.name,
          p.currency,
          h("span", { class: "num" }, p.minimum_amount),
          String(p.grace_period_days),
          p.prices.length
            ? h(
                "ul",
                { class: "price-list" },
                p.prices.map((price) => h("li", {}, h("code", {}, price.feature), " ", describePrice(price))),
              )
            : h("span", { class: "empty" }, "none (minimum only)"),
        ]),
      ),
    );
  };

  const addPlan = (plan: Plan): void => {
    plans = [...plans.filter((p) => p.id !== plan.id), plan].sort((a, b) => a.id.localeCompare(b.id));
    renderPlans();
    assignPlan.value = plan.id;
  };

  const refresh = async (): Promise<void> => {
    const result = await api.listPlans();
    if (!Array.isArray(result)) throw new Error("Unexpected response: GET /v1/plans did not return a list.");
    plans = result;
    renderPlans();
  };

  const created = (plan: Plan): void => {
    addPlan(plan);
    status.replaceChildren(
      "Created plan ",
      h("code", { id: "created-plan-id" }, plan.id),
      ` (${plan.name}, ${plan.currency}, ${plan.prices.length} price${plan.prices.length === 1 ? "" : "s"}). It is selected under Assign plan.`,
    );
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void runAction(section, error, async () => {
      status.textContent = "";
      const body = collectPlan();
      try {
        created(await api.createPlan(body));
      } catch (e) {
        if (e instanceof ApiError) markFieldErrors(e);
        throw e;
      }
    });
  });

  fromForm.addEventListener("click", () => {
    raw.value = JSON.stringify(planBody(), null, 2);
  });

  rawForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void runAction(section, error, async () => {
      status.textContent = "";
      const text = requireValue(raw, "Raw plan JSON");
      let parsed: unknown;
      try {
        parsed = JSON.parse(text) as unknown; // only to check the shape: the text itself is sent
      } catch (e) {
        throw new InputError(`Raw plan JSON is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, [raw]);
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new InputError('Raw plan JSON must be an object such as {"name": "Growth", "prices": [...]}.', [raw]);
      }
      created(await api.createPlanFromJson(text));
    });
  });

  assignForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void runAction(section, error, async () => {
      status.textContent = "";
      const customer = requireValue(assignCustomer, "Customer ID");
      const planId = requireValue(assignPlan, "Plan");
      const updated = await api.assignPlan(customer, planId);
      addCustomer(updated);
      const plan = plans.find((p) => p.id === updated.plan_id);
      status.replaceChildren(
        `Customer ${updated.name} (`,
        h("code", {}, updated.id),
        ") is now on plan ",
        h("code", { id: "assigned-plan-id" }, updated.plan_id ?? "—"),
        plan ? ` (${plan.name})` : "",
        ".",
      );
    });
  });

  refreshButton.addEventListener("click", () => {
    void runAction(section, error, refresh);
  });

  addPrice();
  renderPlans();
  replaceChildren(list, h("p", { class: "empty" }, "No plans loaded yet. Save an API key, then refresh."));
  return { refresh: () => runAction(section, error, refresh) };
}
