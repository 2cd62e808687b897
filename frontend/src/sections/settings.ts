// Settings: API base URL and API key (localStorage), plus a health check.
import type { ApiClient } from "../api.js";
import { byId, runAction } from "../dom.js";
import { getConfig, saveConfig } from "../settings.js";

export function initSettings(api: ApiClient, onSaved: () => void): void {
  const section = byId("settings", HTMLElement);
  const form = byId("settings-form", HTMLFormElement);
  const baseUrl = byId("api-base-url", HTMLInputElement);
  const apiKey = byId("api-key", HTMLInputElement);
  const showKey = byId("api-key-show", HTMLInputElement);
  const status = byId("settings-status", HTMLElement);
  const error = byId("settings-error", HTMLElement);
  const health = byId("health-check", HTMLButtonElement);

  const config = getConfig();
  baseUrl.value = config.baseUrl;
  apiKey.value = config.apiKey;

  const describe = (): string => {
    const c = getConfig();
    return `API: ${c.baseUrl || "same origin"} · key ${c.apiKey ? "set" : "not set"}`;
  };
  status.textContent = describe();

  const save = (): void => {
    saveConfig({ baseUrl: baseUrl.value, apiKey: apiKey.value });
    baseUrl.value = getConfig().baseUrl;
    apiKey.value = getConfig().apiKey;
  };

  showKey.addEventListener("change", () => {
    apiKey.type = showKey.checked ? "text" : "password";
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
    status.textContent = `Settings saved. ${describe()}`;
    onSaved();
  });

  health.addEventListener("click", () => {
    void runAction(section, error, async () => {
      save();
      status.textContent = "Checking API health…";
      try {
        const result = await api.health();
        status.textContent = `API health: ${result.status}. ${describe()}`;
      } catch (e) {
        status.textContent = describe();
        throw e;
      }
    });
  });
}
