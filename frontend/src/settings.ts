// API base URL, API key and (for a customer-scoped key) its customer, kept in localStorage.
import type { ApiConfig } from "./api.js";

const BASE_URL_KEY = "billing.apiBaseUrl";
const API_KEY_KEY = "billing.apiKey";
const KEY_CUSTOMER_KEY = "billing.keyCustomerId";

export interface DashboardConfig extends ApiConfig {
  /** Set when the key is scoped to one customer: the dashboard then shows that customer only. */
  keyCustomerId: string;
}

function read(key: string): string {
  try {
    return localStorage.getItem(key) ?? "";
  } catch {
    return ""; // storage disabled (privacy mode, file:// in some browsers)
  }
}

function write(key: string, value: string): void {
  try {
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
  } catch {
    /* storage disabled: the values still live in memory for this page */
  }
}

let current: DashboardConfig = {
  baseUrl: read(BASE_URL_KEY),
  apiKey: read(API_KEY_KEY),
  keyCustomerId: read(KEY_CUSTOMER_KEY),
};

export function getConfig(): DashboardConfig {
  return current;
}

export function saveConfig(config: DashboardConfig): void {
  current = { baseUrl: config.baseUrl.trim(), apiKey: config.apiKey.trim(), keyCustomerId: config.keyCustomerId.trim() };
  write(BASE_URL_KEY, current.baseUrl);
  write(API_KEY_KEY, current.apiKey);
  write(KEY_CUSTOMER_KEY, current.keyCustomerId);
}
