// Credits: grant prepaid credit to a customer and show their balance and ledger.
import type { ApiClient, CreditLedger } from "../api.js";
import { bindCustomerPicker } from "../customers-store.js";
import { isDecimalString } from "../decimal.js";
import { byId, h, InputError, replaceChildren, requireValue, runAction, table } from "../dom.js";

export interface CreditsSection {
  /** Reloads the ledger if it is the one shown (after an invoice consumed or restored credit). */
  reloadIfShown(customerId: string): Promise<void>;
}

export function initCredits(api: ApiClient): CreditsSection {
  const section = byId("credits", HTMLElement);
  const customerId = bindCustomerPicker("credits");
  const form = byId("credit-form", HTMLFormElement);
  const amount = byId("credit-amount", HTMLInputElement);
  const description = byId("credit-description", HTMLInputElement);
  const showButton = byId("credits-show", HTMLButtonElement);
  const error = byId("credits-error", HTMLElement);
  const status = byId("credits-status", HTMLElement);
  const result = byId("credits-result", HTMLElement);

  let shown = "";

  const render = (ledger: CreditLedger): void => {
    shown = ledger.customer_id;
    const entries = Array.isArray(ledger.entries) ? ledger.entries : [];
    replaceChildren(
      result,
      h(
        "p",
        { class: "summary" },
        h("span", { class: "metric" }, "Customer: ", h("code", {}, ledger.customer_id)),
        h(
          "span",
          { class: "metric" },
          "Balance: ",
          h("strong", { id: "credits-balance", class: "num" }, ledger.balance),
          " ",
          h("span", { id: "credits-currency" }, ledger.currency),
        ),
      ),
      entries.length
        ? table(
            { id: "credits-entries-table", class: "data-table" },
            `${entries.length} ledger entr${entries.length === 1 ? "y" : "ies"}`,
            ["Type", "Amount", "Currency", "Description", "Invoice", "Created"],
            entries.map((e) => [
              h("span", { class: `badge badge-${e.type}` }, e.type),
              h("span", { class: "num" }, e.amount),
              e.currency,
              e.description ?? "—",
              e.invoice_id ? h("code", {}, e.invoice_id) : "—",
              e.created_at,
            ]),
          )
        : h("p", { class: "empty", id: "credits-empty" }, "No credit entries yet."),
    );
  };

  const load = async (customer: string): Promise<void> => {
    render(await api.getCredits(customer));
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void runAction(section, error, async () => {
      status.textContent = "";
      const customer = requireValue(customerId, "Customer ID");
      const value = requireValue(amount, "Amount");
      if (!isDecimalString(value)) throw new InputError("Amount must be a decimal number like 10.00.", [amount]);
      const grant = await api.grantCredit(customer, value, description.value.trim() || undefined);
      status.textContent = `Granted ${grant.amount} ${grant.currency} to ${customer}. Balance: ${grant.balance} ${grant.currency}.`;
      amount.value = "";
      description.value = "";
      await load(customer);
    });
  });

  showButton.addEventListener("click", () => {
    void runAction(section, error, async () => {
      status.textContent = "";
      await load(requireValue(customerId, "Customer ID"));
    });
  });

  return {
    reloadIfShown: async (customer: string) => {
      if (!shown || shown !== customer) return;
      status.textContent = ""; // the last grant's balance is out of date
      await runAction(section, error, () => load(customer));
    },
  };
}
