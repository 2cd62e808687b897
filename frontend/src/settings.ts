// API base URL and API key, kept in localStorage.
import type { ApiConfig } from "./api.js";

const BASE_URL_KEY = "billing.apiBaseUrl";
const API_KEY_KEY = "billing.apiKey";

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
    /* storage disabled: the values still live in the inputs for this page */
  }
}

let current: ApiConfig = { baseUrl: read(BASE_URL_KEY), apiKey: read(API_KEY_KEY) };

export function getConfig(): ApiConfig {
  return current;
}

export function saveConfig(config: ApiConfig): void {
  current = { baseUrl: config.baseUrl.trim(), apiKey: config.apiKey.trim() };
  write(BASE_URL_KEY, current.baseUrl);
  write(API_KEY_KEY, current.apiKey);
}
