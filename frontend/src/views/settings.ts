// Settings: where the API is and the key to use. The key is checked when saved with GET /v1/whoami
// ("key accepted" as an administrator's or as one customer's, or "key refused"), and what the API says
// it may do decides what the dashboard shows.
import { ApiClient, ApiError, type ApiConfig } from "../api.js";
import type { Principal } from "../api-types.js";
import { pageHeader, type View } from "../context.js";
import { h, replaceChildren, userText, type Child } from "../dom.js";
import { explainError } from "../errors.js";
import { actions, feedback, field, input, onSubmit } from "../forms.js";
import { getConfig, saveConfig } from "../settings.js";

export type Verdict = { ok: true; text: Child[]; customerId: string } | { ok: false; text: Child[] };

/** Asks the API who the key is: an administrator key, or a customer's key (named, with its customer). */
export async function checkKey(config: ApiConfig): Promise<Verdict> {
  const api = new ApiClient(() => config);
  let me: Principal;
  try {
    me = await api.whoami();
  } catch (error) {
    if (error instanceof ApiError && error.kind === "http" && (error.status === 401 || error.status === 403)) {
      return { ok: false, text: ["Key refused: the API does not accept this key. Check it for typos, or that it was not revoked."] };
    }
    throw error;
  }
  if (me.role === "admin" || !me.customer_id) {
    return { ok: true, customerId: "", text: ["Key accepted: an administrator key (every customer and action)."] };
  }
  const id = me.customer_id;
  const customer = await api.getCustomer(id).catch(() => null);
  const who = customer ? [userText(customer.name), ` (${id})`] : [id];
  return { ok: true, customerId: id, text: ["Key accepted: a customer key for ", ...who, ". The dashboard shows that customer's page only."] };
}

/** The saved key's customer, asked of the API again (a key saved elsewhere, or made an admin's since). */
export async function refreshKeyScope(): Promise<void> {
  const config = getConfig();
  if (!config.apiKey) return;
  try {
    const me = await new ApiClient(getConfig).whoami();
    saveConfig({ ...config, keyCustomerId: me.role === "admin" ? "" : (me.customer_id ?? "") });
  } catch {
    /* refused or unreachable: each view says so when it asks for its data */
  }
}

export const settingsView: View = async (_ctx, _route, root) => {
  const config = getConfig();
  const baseUrl = field("api-base-url", "API base URL", input({ type: "url", value: config.baseUrl, placeholder: "same origin" }), "Leave empty when the dashboard is served by the API itself.");
  const apiKey = field("api-key", "API key", input({ type: "password", value: config.apiKey }), "An administrator key, or a customer's key (which sees that customer only). Sent as Authorization: Bearer <key>; kept in this browser only.");
  const showKey = h("input", { type: "checkbox", id: "api-key-show" });
  const { alert, status } = feedback("settings");
  const save = h("button", { type: "submit" }, "Save and check key");
  const form = h(
    "form",
    { class: "card form", id: "settings-form", novalidate: true },
    baseUrl.wrap,
    apiKey.wrap,
    h("div", { class: "checkbox" }, showKey, h("label", { for: "api-key-show" }, "Show key")),
    actions(save),
    alert,
    status,
  );
  status.textContent = !config.apiKey ? "No API key is set." : config.keyCustomerId ? `A customer key is saved (customer ${config.keyCustomerId}).` : "A key is saved.";
  showKey.addEventListener("change", () => {
    apiKey.control.type = showKey.checked ? "text" : "password";
  });
  onSubmit(
    form,
    alert,
    async () => {
      delete status.dataset["verdict"];
      const next = { baseUrl: baseUrl.control.value.trim(), apiKey: apiKey.control.value.trim(), keyCustomerId: "" };
      const saved = (customerId: string): void => {
        saveConfig({ ...next, keyCustomerId: customerId });
        document.dispatchEvent(new Event("settings-saved"));
      };
      if (!next.apiKey) {
        saved("");
        status.textContent = "Saved. No API key is set: the dashboard cannot show anything until you add one.";
        return;
      }
      status.textContent = "Checking the key…";
      try {
        const verdict = await checkKey(next);
        saved(verdict.ok ? verdict.customerId : "");
        replaceChildren(status, verdict.text);
        status.dataset["verdict"] = verdict.ok ? "accepted" : "refused";
      } catch (error) {
        saved("");
        status.textContent = `Saved, but the key could not be checked. ${explainError(error).summary}`;
        status.dataset["verdict"] = "unknown";
      }
    },
    { status },
  );
  root.append(pageHeader("Settings"), form);
};
