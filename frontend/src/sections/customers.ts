// Customers: create one, list them, pick the current customer for the other sections.
import type { ApiClient, Customer } from "../api.js";
import { addCustomer, getCurrentCustomerId, getCustomers, setCurrentCustomerId, setCustomers, subscribe } from "../customers-store.js";
import { byId, h, InputError, replaceChildren, requireValue, runAction, table } from "../dom.js";

export interface CustomersSection {
  refresh(): Promise<void>;
}

function addAllTimezones(datalist: HTMLDataListElement): void {
  if (typeof Intl.supportedValuesOf !== "function") return;
  const known = new Set(Array.from(datalist.options, (o) => o.value));
  for (const zone of Intl.supportedValuesOf("timeZone")) {
    if (!known.has(zone)) datalist.append(h("option", { value: zone }));
  }
}

export function initCustomers(api: ApiClient): CustomersSection {
  const section = byId("customers", HTMLElement);
  const form = byId("customer-form", HTMLFormElement);
  const name = byId("customer-name", HTMLInputElement);
  const email = byId("customer-email", HTMLInputElement);
  const timezone = byId("customer-timezone", HTMLInputElement);
  const error = byId("customers-error", HTMLElement);
  const created = byId("customer-create-result", HTMLElement);
  const refreshButton = byId("customers-refresh", HTMLButtonElement);
  const list = byId("customers-list", HTMLElement);

  addAllTimezones(byId("timezone-options", HTMLDataListElement));

  const render = (): void => {
    const customers = getCustomers();
    if (customers.length === 0) {
      replaceChildren(list, h("p", { class: "empty" }, "No customers yet."));
      return;
    }
    const current = getCurrentCustomerId();
    const rows = customers.map((c: Customer) => [
      h("code", {}, c.id),
      c.name,
      c.email,
      c.timezone,
      c.plan_id ?? "—",
      c.created_at,
      c.id === current
        ? h("span", { class: "badge badge-selected" }, "Selected")
        : h(
            "button",
            { type: "button", class: "small secondary", "data-customer-id": c.id, "aria-label": `Select customer ${c.name}` },
            "Select",
          ),
    ]);
    const t = table(
      { id: "customers-table", class: "data-table" },
      `${customers.length} customer${customers.length === 1 ? "" : "s"}`,
      ["ID", "Name", "Email", "Timezone", "Plan", "Created", "Action"],
      rows,
    );
    t.querySelectorAll("tbody tr").forEach((tr, i) => {
      if (customers[i]?.id === current) tr.classList.add("selected");
    });
    replaceChildren(list, t);
  };

  list.addEventListener("click", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLButtonElement)) return;
    const id = target.dataset["customerId"];
    if (id) setCurrentCustomerId(id);
  });
  subscribe(render);

  const refresh = async (): Promise<void> => {
    const customers = await api.listCustomers();
    if (!Array.isArray(customers)) throw new Error("Unexpected response: GET /v1/customers did not return a list.");
    setCustomers(customers);
    if (!getCurrentCustomerId() && customers.length === 1 && customers[0]) setCurrentCustomerId(customers[0].id);
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void runAction(section, error, async () => {
      created.textContent = "";
      const body = {
        name: requireValue(name, "Name"),
        email: requireValue(email, "Email"),
        timezone: timezone.value.trim() || "UTC",
      };
      if (!body.email.includes("@")) throw new InputError("Email must contain @.", [email]);
      const customer = await api.createCustomer(body);
      addCustomer(customer);
      setCurrentCustomerId(customer.id);
      created.replaceChildren(
        "Created customer ",
        h("code", { id: "created-customer-id" }, customer.id),
        ` (${customer.name}, ${customer.timezone}). It is now the selected customer.`,
      );
      name.value = "";
      email.value = "";
    });
  });

  refreshButton.addEventListener("click", () => {
    void runAction(section, error, refresh);
  });

  render();
  return {
    refresh: () => runAction(section, error, refresh),
  };
}
