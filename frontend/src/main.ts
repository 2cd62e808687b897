// Entry point: wires the API client (configured from Settings) to every section.
import { ApiClient } from "./api.js";
import { initBilling } from "./sections/billing.js";
import { initCredits } from "./sections/credits.js";
import { initCustomers } from "./sections/customers.js";
import { initEvents } from "./sections/events.js";
import { initInvoices } from "./sections/invoices.js";
import { initPlans } from "./sections/plans.js";
import { initSettings } from "./sections/settings.js";
import { initUsage } from "./sections/usage.js";
import { getConfig } from "./settings.js";

function start(): void {
  const api = new ApiClient(getConfig);
  const customers = initCustomers(api);
  const plans = initPlans(api);
  initSettings(api, () => {
    void customers.refresh();
    void plans.refresh();
  });
  const credits = initCredits(api);
  initEvents(api);
  initUsage(api);
  // Finalizing consumes credit and voiding restores it: a shown ledger of that customer is reloaded.
  const invoices = initInvoices(api, (invoice) => void credits.reloadIfShown(invoice.customer_id));
  initBilling(api, (id) => void invoices.showInvoice(id));
  document.documentElement.dataset["ready"] = "true";

  // Load the customer and plan lists on start when a key is already saved (errors show in their sections).
  if (getConfig().apiKey) {
    void customers.refresh();
    void plans.refresh();
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
