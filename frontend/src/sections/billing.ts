// Billing run: POST /v1/invoices/run for a period and unit price.
import type { ApiClient } from "../api.js";
import { isDecimalString } from "../decimal.js";
import { byId, h, InputError, replaceChildren, runAction } from "../dom.js";
import { previousPeriod } from "../time.js";

export function initBilling(api: ApiClient, showInvoice: (id: string) => void): void {
  const section = byId("billing", HTMLElement);
  const form = byId("billing-form", HTMLFormElement);
  const period = byId("billing-period", HTMLInputElement);
  const unitPrice = byId("billing-unit-price", HTMLInputElement);
  const error = byId("billing-error", HTMLElement);
  const result = byId("billing-result", HTMLElement);

  period.value = previousPeriod();

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void runAction(section, error, async () => {
      const p = period.value.trim();
      const price = unitPrice.value.trim();
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(p)) throw new InputError("Period must look like 2025-09 (YYYY-MM).", [period]);
      if (!isDecimalString(price)) throw new InputError("Unit price must be a decimal number like 0.01.", [unitPrice]);
      result.replaceChildren();
      const res = await api.runBilling(p, price);
      const ids = Array.isArray(res.invoice_ids) ? res.invoice_ids : [];
      replaceChildren(
        result,
        h(
          "p",
          { class: "summary" },
          h("span", { class: "metric" }, "Invoices generated: ", h("strong", { id: "billing-invoices-generated" }, String(res.invoices_generated))),
          h("span", { class: "metric" }, "Period: ", h("strong", { id: "billing-result-period" }, res.period)),
        ),
        ids.length
          ? h(
              "ul",
              { class: "id-list", id: "billing-invoice-ids", "aria-label": "Generated invoices" },
              ids.map((id) =>
                h("li", {}, h("code", {}, id), " ", h("button", { type: "button", class: "small secondary", "data-invoice-id": id, "aria-label": `View invoice ${id}` }, "View")),
              ),
            )
          : null,
      );
    });
  });

  result.addEventListener("click", (event) => {
    const target = event.target;
    if (target instanceof HTMLButtonElement && target.dataset["invoiceId"]) showInvoice(target.dataset["invoiceId"]);
  });
}
