// A customer field for thousands of customers: type a name, an email or an id; the API's search
// fills the suggestions, and the chosen customer is named under the field (with its timezone).
import type { Customer } from "./api-types.js";
import type { Ctx } from "./context.js";
import { h, isolated, replaceChildren, userText } from "./dom.js";
import { field, input, type Field } from "./forms.js";

export interface CustomerPicker extends Field<HTMLInputElement> {
  /** The customer whose id is in the field, looked up (null when none or unknown). */
  resolve(): Promise<Customer | null>;
}

/** `fixed`: the field holds `initial` and cannot change (a customer key acts for its own customer only). */
export function customerPicker(ctx: Ctx, id: string, initial = "", fixed = false): CustomerPicker {
  const listId = `${id}-options`;
  const chosen = h("p", { class: "hint picked", id: `${id}-picked`, "aria-live": "polite" });
  const hint = fixed ? "This key acts for its own customer only." : "Type a name or email to search; the customer's id is what is sent.";
  const f = field(id, "Customer", input({ list: listId, value: initial, placeholder: "name, email or cus_…" }), hint);
  const options = h("datalist", { id: listId });
  f.wrap.append(options, chosen);
  f.control.setAttribute("aria-describedby", `${id}-hint ${id}-picked`);
  let seq = 0;
  let timer: number | undefined;

  const resolve = async (): Promise<Customer | null> => {
    const value = f.control.value.trim();
    if (!value) {
      chosen.textContent = "";
      return null;
    }
    const customer = await ctx.customer(value);
    replaceChildren(chosen, customer ? [userText(customer.name), " · ", userText(customer.email), ` · timezone ${customer.timezone}`] : null);
    return customer;
  };

  const search = async (): Promise<void> => {
    const mine = ++seq;
    const q = f.control.value.trim();
    if (!q || q.startsWith("cus_")) {
      void resolve();
      return;
    }
    try {
      const page = await ctx.api.listCustomers({ q, limit: 20 });
      if (mine !== seq) return;
      options.replaceChildren(...page.data.map((c) => h("option", { value: c.id }, `${isolated(c.name)} <${isolated(c.email)}>`)));
      page.data.forEach((c) => ctx.remember(c));
      void resolve();
    } catch {
      /* suggestions are a convenience: a failed search leaves the field as typed */
    }
  };

  if (fixed) {
    f.control.readOnly = true;
    void resolve();
    return { ...f, resolve };
  }
  f.control.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void search(), 250);
  });
  f.control.addEventListener("change", () => void resolve());
  if (initial) void resolve();
  return { ...f, resolve };
}
