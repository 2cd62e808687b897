// Settings: where the API is and the key to use. The key is checked when saved ("key accepted" /
// "key refused"), and a customer-scoped key is told apart from an administrator's.
import { ApiClient, ApiError } from "../api.js";
import { pageHeader, type View } from "../context.js";
import { h } from "../dom.js";
import { explainError } from "../errors.js";
import { actions, feedback, field, input, submitting } from "../forms.js";
import { getConfig, saveConfig, type DashboardConfig } from "../settings.js";

type Verdict = { ok: true; text: string } | { ok: false; text: string };

/** Asks the API what the key may do: list customers (administrator) or read its own customer. */
export async function checkKey(config: DashboardConfig): Promise<Verdict> {
  const api = new ApiClient(() => config);
  try {
    await api.listCustomers({ limit: 1 });
    return { ok: true, text: "Key accepted: an administrator key (every customer and action)." };
  } catch (error) {
    if (!(error instanceof ApiError) || error.kind !== "http" || (error.status !== 401 && error.status !== 403)) throw error;
  }
  if (config.keyCustomerId) {
    try {
      const customer = await api.getCustomer(config.keyCustomerId);
      return { ok: true, text: `Key accepted: a customer key for ${customer.name} (${customer.id}) only.` };
    } catch (error) {
      if (!(error instanceof ApiError) || error.kind !== "http" || error.status >= 500) throw error;
    }
  }
  return {
    ok: false,
    text: config.keyCustomerId
      ? `Key refused: the API accepts it neither as an administrator key nor for customer ${config.keyCustomerId}.`
      : "Key refused: the API does not accept this key. Check it for typos, or that it was not revoked.",
  };
}

export const settingsView: View = async (_ctx, _route, root) => {
  const config = getConfig();
  const baseUrl = field("api-base-url", "API base URL", input({ type: "url", value: config.baseUrl, placeholder: "same origin" }), "Leave empty when the dashboard is served by the API itself.");
  const apiKey = field("api-key", "API key", input({ type: "password", value: config.apiKey }), "Sent as Authorization: Bearer <key>. Kept in this browser only.");
  const showKey = h("input", { type: "checkbox", id: "api-key-show" });
  const keyCustomer = field(
    "key-customer-id",
    "Customer ID (customer keys only)",
    input({ value: config.keyCustomerId, placeholder: "cus_…" }),
    "Leave empty for an administrator key. A customer key sees that customer's page only.",
  );
  const { alert, status } = feedback("settings");
  const save = h("button", { type: "submit" }, "Save and check key");
  const form = h(
    "form",
    { class: "card form", id: "settings-form", novalidate: true },
    baseUrl.wrap,
    apiKey.wrap,
    h("div", { class: "checkbox" }, showKey, h("label", { for: "api-key-show" }, "Show key")),
    keyCustomer.wrap,
    actions(save),
    alert,
    status,
  );
  status.textContent = config.apiKey ? "A key is saved." : "No API key is set.";
  showKey.addEventListener("change", () => {
    apiKey.control.type = showKey.checked ? "text" : "password";
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void submitting(form, alert, async () => {
      status.textContent = "";
      const next = { baseUrl: baseUrl.control.value, apiKey: apiKey.control.value, keyCustomerId: keyCustomer.control.value };
      saveConfig(next);
      document.dispatchEvent(new Event("settings-saved"));
      if (!getConfig().apiKey) {
        status.textContent = "Saved. No API key is set: the dashboard cannot show anything until you add one.";
        return;
      }
      status.textContent = "Checking the key…";
      try {
        const verdict = await checkKey(getConfig());
        status.textContent = verdict.text;
        status.dataset["verdict"] = verdict.ok ? "accepted" : "refused";
      } catch (error) {
        status.textContent = `Saved, but the key could not be checked. ${explainError(error).summary}`;
        status.dataset["verdict"] = "unknown";
      }
    });
  });
  root.append(pageHeader("Settings"), form);
};
