// Entry point: wires the API client (configured from Settings) to every section.
import { ApiClient } from "./api.js";
import { initBilling } from "./sections/billing.js";
import { initCustomers } from "./sections/customers.js";
import { initEvents } from "./sections/events.js";
import { initInvoices } from "./sections/invoices.js";
import { initSettings } from "./sections/settings.js";
import { initUsage } from "./sections/usage.js";
import { getConfig } from "./settings.js";

function start(): void {
  const api = new ApiClient(getConfig);
  const customers = initCustomers(api);
  initSettings(api, () => void customers.refresh());
  initEvents(api);
  initUsage(api);
  const invoices = initInvoices(api);
  initBilling(api, (id) => void invoices.showInvoice(id));
  document.documentElement.dataset["ready"] = "true";

  // Load the customer list on start when a key is already saved (errors show in the Customers section).
  if (getConfig().apiKey) void customers.refresh();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
