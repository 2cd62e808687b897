// The customer list and the "current customer" shared by every section.
// Pickers (a <select> of known customers plus a manual "Customer ID" input) stay in sync.
import type { Customer } from "./api.js";
import { byId, h, replaceChildren } from "./dom.js";

type Listener = () => void;

const CURRENT_KEY = "billing.currentCustomerId";

function readCurrent(): string {
  try {
    return localStorage.getItem(CURRENT_KEY) ?? "";
  } catch {
    return "";
  }
}

let customers: Customer[] = [];
let currentId = readCurrent();
const listeners = new Set<Listener>();

function notify(): void {
  for (const listener of listeners) listener();
}

export function getCustomers(): readonly Customer[] {
  return customers;
}

export function setCustomers(list: Customer[]): void {
  customers = list;
  notify();
}

export function addCustomer(customer: Customer): void {
  customers = [...customers.filter((c) => c.id !== customer.id), customer];
  notify();
}

export function getCurrentCustomerId(): string {
  return currentId;
}

export function setCurrentCustomerId(id: string): void {
  const trimmed = id.trim();
  if (trimmed === currentId) return;
  currentId = trimmed;
  try {
    if (trimmed) localStorage.setItem(CURRENT_KEY, trimmed);
    else localStorage.removeItem(CURRENT_KEY);
  } catch {
    /* storage disabled */
  }
  notify();
}

export function subscribe(listener: Listener): void {
  listeners.add(listener);
}

export function customerLabel(c: Customer): string {
  return `${c.name} <${c.email}> · ${c.id}`;
}

/**
 * Binds the picker of one section: `#<prefix>-customer-select` and `#<prefix>-customer-id`.
 * Returns the id input, whose value is what the section sends.
 */
export function bindCustomerPicker(prefix: string): HTMLInputElement {
  const select = byId(`${prefix}-customer-select`, HTMLSelectElement);
  const input = byId(`${prefix}-customer-id`, HTMLInputElement);

  const render = (): void => {
    const options = [
      h("option", { value: "" }, customers.length ? "— Select a customer —" : "— No customers loaded —"),
      ...customers.map((c) => h("option", { value: c.id }, customerLabel(c))),
    ];
    replaceChildren(select, options);
    select.value = customers.some((c) => c.id === currentId) ? currentId : "";
    if (input.value.trim() !== currentId) input.value = currentId;
  };

  select.addEventListener("change", () => {
    if (select.value) setCurrentCustomerId(select.value);
  });
  input.addEventListener("input", () => setCurrentCustomerId(input.value));
  subscribe(render);
  render();
  return input;
}
