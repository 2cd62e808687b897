// The prices editor of the new-plan form (DOM only): rows of prices, each with the fields of its
// model (per unit, graduated or volume tiers, package, percentage, graduated percentage tiers). Of a
// percentage price's optional fields it offers the fixed fee per event; the free units and per-transaction
// bounds (docs/pricing.md) are left to the API itself. It reads its values for plan-model.ts and
// finds the control of a field path ("prices[0].tiers[1].up_to") for the error display.
import { AGGREGATIONS, PRICE_MODELS } from "./prices.js";
import { h, replaceChildren } from "./dom.js";
import { field, input, select, type Field } from "./forms.js";
import { RATE_TIERS, TIERED_MODELS, type PriceValues } from "./plan-model.js";

interface TierRow {
  el: HTMLFieldSetElement;
  legend: HTMLLegendElement;
  upTo: Field<HTMLInputElement>;
  unitAmount: Field<HTMLInputElement>;
  /** In place of the unit amount on a graduated_percentage price. */
  rate: Field<HTMLInputElement>;
  flatAmount: Field<HTMLInputElement>;
  remove: HTMLButtonElement;
}

interface PriceRow {
  el: HTMLFieldSetElement;
  legend: HTMLLegendElement;
  feature: Field<HTMLInputElement>;
  model: Field<HTMLSelectElement>;
  aggregation: Field<HTMLSelectElement>;
  property: Field<HTMLInputElement>;
  propertySlot: HTMLDivElement;
  modelSlot: HTMLDivElement;
  // Every model's fields live in memory; only the chosen model's are in the page, so a switch keeps
  // what was typed and hidden fields are never sent (the API refuses another model's keys).
  unitAmount: Field<HTMLInputElement>;
  packageSize: Field<HTMLInputElement>;
  packageAmount: Field<HTMLInputElement>;
  rate: Field<HTMLInputElement>;
  fixedAmount: Field<HTMLInputElement>;
  tiers: TierRow[];
  tierRows: HTMLDivElement;
  tiersBlock: HTMLFieldSetElement;
  addTier: HTMLButtonElement;
  remove: HTMLButtonElement;
}

export interface PricesEditor {
  el: HTMLElement;
  values(): PriceValues[];
  /** The control of a path below "prices[i]" (null when the editor has no such control). */
  control(path: string): HTMLElement | null;
  reset(): void;
}

const setId = (f: Field<HTMLElement & { id: string }>, id: string): void => {
  f.control.id = id;
  f.label.htmlFor = id;
};

export function pricesEditor(): PricesEditor {
  const rows: PriceRow[] = [];
  const container = h("div", { class: "price-rows", id: "price-rows" });
  const addPriceButton = h("button", { type: "button", class: "secondary" }, "Add price");

  const renumber = (): void => {
    rows.forEach((row, i) => {
      const n = i + 1;
      row.legend.textContent = `Price ${n}`;
      setId(row.feature, `price-${i}-feature`);
      setId(row.model, `price-${i}-model`);
      setId(row.aggregation, `price-${i}-aggregation`);
      setId(row.property, `price-${i}-property`);
      setId(row.unitAmount, `price-${i}-unit-amount`);
      setId(row.packageSize, `price-${i}-package-size`);
      setId(row.packageAmount, `price-${i}-package-amount`);
      setId(row.rate, `price-${i}-rate`);
      setId(row.fixedAmount, `price-${i}-fixed-amount`);
      row.remove.textContent = `Remove price ${n}`;
      row.addTier.textContent = `Add tier to price ${n}`;
      row.tiers.forEach((tier, j) => {
        tier.legend.textContent = `Tier ${j + 1}`;
        setId(tier.upTo, `price-${i}-tier-${j}-up-to`);
        setId(tier.unitAmount, `price-${i}-tier-${j}-unit-amount`);
        setId(tier.rate, `price-${i}-tier-${j}-rate`);
        setId(tier.flatAmount, `price-${i}-tier-${j}-flat-amount`);
        tier.remove.textContent = `Remove tier ${j + 1}`;
        tier.remove.disabled = row.tiers.length === 1;
      });
    });
  };

  const addTier = (row: PriceRow): TierRow => {
    const tier: TierRow = {
      el: h("fieldset", { class: "tier-row" }),
      legend: h("legend", {}, "Tier"),
      upTo: field("tier-up-to", "Up to", input({ inputmode: "decimal", placeholder: "blank on the last tier" })),
      unitAmount: field("tier-unit-amount", "Unit amount", input({ inputmode: "decimal", placeholder: "0.01" })),
      rate: field("tier-rate", "Rate (%)", input({ inputmode: "decimal", placeholder: "1.5" })),
      flatAmount: field("tier-flat-amount", "Flat amount", input({ inputmode: "decimal", placeholder: "0" })),
      remove: h("button", { type: "button", class: "secondary small" }, "Remove tier"),
    };
    tier.el.append(tier.legend, tier.upTo.wrap, row.model.control.value === RATE_TIERS ? tier.rate.wrap : tier.unitAmount.wrap, tier.flatAmount.wrap, tier.remove);
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

  const showModel = (row: PriceRow): void => {
    const model = row.model.control.value;
    if (TIERED_MODELS.has(model)) {
      if (row.tiers.length === 0) addTier(row);
      for (const tier of row.tiers) {
        const [shown, hidden] = model === RATE_TIERS ? [tier.rate, tier.unitAmount] : [tier.unitAmount, tier.rate];
        if (hidden.wrap.parentNode) hidden.wrap.replaceWith(shown.wrap);
      }
      replaceChildren(row.modelSlot, row.tiersBlock);
    } else if (model === "package") replaceChildren(row.modelSlot, h("div", { class: "grid" }, row.packageSize.wrap, row.packageAmount.wrap));
    else if (model === "percentage") replaceChildren(row.modelSlot, h("div", { class: "grid" }, row.rate.wrap, row.fixedAmount.wrap));
    else replaceChildren(row.modelSlot, h("div", { class: "grid" }, row.unitAmount.wrap));
    if (row.aggregation.control.value === "unique_count") replaceChildren(row.propertySlot, row.property.wrap);
    else row.propertySlot.replaceChildren();
  };

  const addPrice = (): PriceRow => {
    const tierRows = h("div", { class: "tier-rows" });
    const addTierButton = h("button", { type: "button", class: "secondary small" }, "Add tier");
    const row: PriceRow = {
      el: h("fieldset", { class: "price-row" }),
      legend: h("legend", {}, "Price"),
      feature: field("price-feature", "Feature", input({ placeholder: "api_calls" })),
      model: field("price-model", "Model", select(PRICE_MODELS, "per_unit")),
      aggregation: field("price-aggregation", "Aggregation", select(AGGREGATIONS, "sum")),
      property: field("price-property", "Property (for unique_count)", input({ placeholder: "user_id" })),
      propertySlot: h("div", { class: "slot" }),
      modelSlot: h("div", { class: "model-fields" }),
      unitAmount: field("price-unit-amount", "Unit amount", input({ inputmode: "decimal", placeholder: "0.01" })),
      packageSize: field("price-package-size", "Package size", input({ inputmode: "decimal", placeholder: "100" })),
      packageAmount: field("price-package-amount", "Package amount", input({ inputmode: "decimal", placeholder: "1.50" })),
      rate: field("price-rate", "Rate (%)", input({ inputmode: "decimal", placeholder: "2.9" }), "A percentage of the value: 2.9 is 2.9 %."),
      fixedAmount: field("price-fixed-amount", "Fixed amount per event", input({ inputmode: "decimal", placeholder: "none" })),
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
      remove: h("button", { type: "button", class: "secondary small" }, "Remove price"),
    };
    row.el.append(
      row.legend,
      h("div", { class: "grid" }, row.feature.wrap, row.model.wrap, row.aggregation.wrap, row.propertySlot),
      row.modelSlot,
      h("div", { class: "actions" }, row.remove),
    );
    row.model.control.addEventListener("change", () => showModel(row));
    row.aggregation.control.addEventListener("change", () => showModel(row));
    addTierButton.addEventListener("click", () => addTier(row).upTo.control.focus());
    row.remove.addEventListener("click", () => {
      const index = rows.indexOf(row);
      rows.splice(index, 1);
      row.el.remove();
      renumber();
      (rows[Math.min(index, rows.length - 1)]?.feature.control ?? addPriceButton).focus();
    });
    rows.push(row);
    container.append(row.el);
    renumber();
    showModel(row);
    return row;
  };

  addPriceButton.addEventListener("click", () => addPrice().feature.control.focus());
  addPrice();

  return {
    el: h("div", { class: "prices-editor" }, container, h("div", { class: "actions" }, addPriceButton)),
    values: () =>
      rows.map((r) => ({
        feature: r.feature.control.value,
        model: r.model.control.value,
        aggregation: r.aggregation.control.value,
        property: r.property.control.value,
        unitAmount: r.unitAmount.control.value,
        packageSize: r.packageSize.control.value,
        packageAmount: r.packageAmount.control.value,
        rate: r.rate.control.value,
        fixedAmount: r.fixedAmount.control.value,
        tiers: r.tiers.map((t) => ({ upTo: t.upTo.control.value, unitAmount: t.unitAmount.control.value, rate: t.rate.control.value, flatAmount: t.flatAmount.control.value })),
      })),
    control: (path) => {
      const match = /^prices\[(\d+)\](?:\.tiers\[(\d+)\])?(?:\.(\w+))?/.exec(path);
      const row = match ? rows[Number(match[1])] : undefined;
      if (!match || !row) return null;
      const key = match[3] ?? "feature";
      if (match[2] !== undefined) {
        const tier = row.tiers[Number(match[2])];
        if (!tier) return row.addTier;
        const byTierKey: Record<string, HTMLElement> = { unit_amount: tier.unitAmount.control, rate: tier.rate.control, flat_amount: tier.flatAmount.control };
        return byTierKey[key] ?? tier.upTo.control;
      }
      const byKey: Record<string, HTMLElement> = {
        feature: row.feature.control,
        model: row.model.control,
        aggregation: row.aggregation.control,
        property: row.property.control,
        unit_amount: row.unitAmount.control,
        package_size: row.packageSize.control,
        package_amount: row.packageAmount.control,
        rate: row.rate.control,
        fixed_amount: row.fixedAmount.control,
        tiers: row.addTier,
      };
      return byKey[key] ?? row.feature.control;
    },
    reset: () => {
      for (const row of rows.splice(0)) row.el.remove();
      addPrice();
    },
  };
}
