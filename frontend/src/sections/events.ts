// Ingest events: an editable list of rows (or raw JSON) sent to POST /v1/events/batch.
import { ApiError, type ApiClient, type BatchResult, type EventBatch, type EventInput } from "../api.js";
import { bindCustomerPicker } from "../customers-store.js";
import { byId, h, InputError, replaceChildren, requireValue, runAction, table } from "../dom.js";
import { nowIso, toUtcIso } from "../time.js";

interface RowValues {
  feature: string;
  quantity: string;
  ts: string;
  id: string;
}

const FIELDS = ["feature", "quantity", "ts", "id"] as const;
type Field = (typeof FIELDS)[number];

const LABELS: Record<Field, string> = {
  feature: "Feature",
  quantity: "Quantity",
  ts: "Timestamp",
  id: "Event ID (optional)",
};

export function initEvents(api: ApiClient): void {
  const section = byId("events", HTMLElement);
  const customerId = bindCustomerPicker("events");
  const form = byId("events-form", HTMLFormElement);
  const rowsContainer = byId("event-rows", HTMLElement);
  const addRowButton = byId("event-add-row", HTMLButtonElement);
  const rawForm = byId("events-raw-form", HTMLFormElement);
  const raw = byId("events-raw", HTMLTextAreaElement);
  const fromRows = byId("events-raw-from-rows", HTMLButtonElement);
  const error = byId("events-error", HTMLElement);
  const result = byId("events-result", HTMLElement);

  const rows = (): HTMLFieldSetElement[] =>
    Array.from(rowsContainer.querySelectorAll<HTMLFieldSetElement>("fieldset.event-row"));

  const input = (row: Element, field: Field): HTMLInputElement => {
    const el = row.querySelector(`input[data-field="${field}"]`);
    if (!(el instanceof HTMLInputElement)) throw new Error(`event row without ${field} input`);
    return el;
  };

  /** Keeps ids, labels and legends in order: row i has #event-feature-i, #event-quantity-i, … */
  const renumber = (): void => {
    rows().forEach((row, i) => {
      row.dataset["index"] = String(i);
      const legend = row.querySelector("legend");
      if (legend) legend.textContent = `Event ${i + 1}`;
      for (const field of FIELDS) {
        const el = input(row, field);
        el.id = `event-${field}-${i}`;
        const label = row.querySelector(`label[data-field="${field}"]`);
        if (label instanceof HTMLLabelElement) label.htmlFor = el.id;
      }
      const remove = row.querySelector("button.remove-row");
      if (remove instanceof HTMLButtonElement) {
        remove.setAttribute("aria-label", `Remove event ${i + 1}`);
        remove.disabled = rows().length === 1;
      }
    });
  };

  const addRow = (values: Partial<RowValues> = {}): HTMLFieldSetElement => {
    const previous = rows().at(-1);
    const defaults: RowValues = {
      feature: previous ? input(previous, "feature").value : "",
      quantity: "1",
      ts: nowIso(),
      id: "",
      ...values,
    };
    const attrs: Record<Field, Record<string, string>> = {
      feature: { placeholder: "api_calls", autocomplete: "off", spellcheck: "false" },
      quantity: { inputmode: "decimal", placeholder: "1", autocomplete: "off" },
      ts: { placeholder: "2025-09-01T12:00:00Z", autocomplete: "off", spellcheck: "false" },
      id: { placeholder: "auto", autocomplete: "off", spellcheck: "false" },
    };
    const row = h(
      "fieldset",
      { class: "event-row" },
      h("legend", {}, "Event"),
      FIELDS.map((field) =>
        h(
          "div",
          { class: `field field-${field}` },
          h("label", { "data-field": field }, LABELS[field]),
          h("input", { type: "text", "data-field": field, value: defaults[field], ...attrs[field] }),
        ),
      ),
      h("button", { type: "button", class: "remove-row secondary small" }, "Remove"),
    );
    rowsContainer.append(row);
    renumber();
    return row;
  };

  rowsContainer.addEventListener("click", (event) => {
    const target = event.target;
    if (target instanceof HTMLButtonElement && target.classList.contains("remove-row")) {
      const row = target.closest("fieldset");
      if (row && rows().length > 1) {
        const index = Number(row.dataset["index"] ?? 0);
        row.remove();
        renumber();
        const next = rows()[Math.min(index, rows().length - 1)];
        if (next) input(next, "feature").focus();
      }
    }
  });

  addRowButton.addEventListener("click", () => {
    const row = addRow();
    input(row, "feature").focus();
  });

  const rowValues = (): RowValues[] =>
    rows().map((row) => ({
      feature: input(row, "feature").value.trim(),
      quantity: input(row, "quantity").value.trim(),
      ts: input(row, "ts").value.trim(),
      id: input(row, "id").value.trim(),
    }));

  const toEvent = (values: RowValues): EventInput => {
    const event: EventInput = { feature: values.feature, quantity: values.quantity, ts: toUtcIso(values.ts) ?? values.ts };
    if (values.id) event.id = values.id;
    return event;
  };

  const collectRows = (): EventInput[] => {
    const all = rows();
    const values = rowValues();
    const invalid: HTMLInputElement[] = [];
    values.forEach((v, i) => {
      const row = all[i];
      if (!row) return;
      if (!v.feature) invalid.push(input(row, "feature"));
      if (!v.quantity) invalid.push(input(row, "quantity"));
      if (!toUtcIso(v.ts)) invalid.push(input(row, "ts"));
    });
    if (invalid.length) {
      throw new InputError(
        "Every event needs a feature, a quantity and an ISO 8601 timestamp (e.g. 2025-09-01T12:00:00Z).",
        invalid,
      );
    }
    return values.map(toEvent);
  };

  /** Marks the row inputs named by server field errors such as "events[3].quantity". */
  const markFieldErrors = (e: ApiError): void => {
    for (const { field } of e.fields) {
      const match = /^events\[(\d+)\]\.(\w+)/.exec(field);
      if (!match) continue;
      const row = rows()[Number(match[1])];
      const name = match[2] as Field;
      if (row && (FIELDS as readonly string[]).includes(name)) input(row, name).setAttribute("aria-invalid", "true");
    }
  };

  const renderResult = (batch: EventBatch, res: BatchResult): void => {
    const results = Array.isArray(res.results) ? res.results : [];
    replaceChildren(
      result,
      h(
        "p",
        { class: "summary" },
        h("span", { class: "metric" }, "Accepted: ", h("strong", { id: "events-accepted" }, String(res.accepted))),
        h("span", { class: "metric" }, "Duplicates: ", h("strong", { id: "events-duplicates" }, String(res.duplicates))),
      ),
      results.length
        ? table(
            { id: "events-results-table", class: "data-table" },
            "Per-event results",
            ["#", "Feature", "Quantity", "Event ID", "Status"],
            results.map((r) => {
              const sent = batch.events[r.index];
              return [
                String(r.index),
                sent?.feature ?? "",
                sent === undefined ? "" : String(sent.quantity),
                h("code", {}, r.id),
                h("span", { class: `badge badge-${r.status}` }, r.status),
              ];
            }),
          )
        : null,
    );
  };

  const send = async (batch: EventBatch): Promise<void> => {
    result.replaceChildren();
    try {
      const res = await api.ingestBatch(batch);
      renderResult(batch, res);
    } catch (e) {
      if (e instanceof ApiError) markFieldErrors(e);
      throw e;
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void runAction(section, error, async () => {
      const customer = requireValue(customerId, "Customer ID");
      await send({ customer_id: customer, events: collectRows() });
    });
  });

  fromRows.addEventListener("click", () => {
    const body = { customer_id: customerId.value.trim(), events: rowValues().map(toEvent) };
    raw.value = JSON.stringify(body, null, 2);
  });

  rawForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void runAction(section, error, async () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(requireValue(raw, "Raw JSON")) as unknown;
      } catch (e) {
        if (e instanceof InputError) throw e;
        throw new InputError(`Raw JSON is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, [raw]);
      }
      let batch: EventBatch;
      if (Array.isArray(parsed)) {
        batch = { customer_id: requireValue(customerId, "Customer ID"), events: parsed as EventInput[] };
      } else if (typeof parsed === "object" && parsed !== null && Array.isArray((parsed as { events?: unknown }).events)) {
        const body = parsed as Partial<EventBatch> & { events: EventInput[] };
        batch = { ...body, customer_id: body.customer_id || requireValue(customerId, "Customer ID") };
      } else {
        throw new InputError('Raw JSON must be an events array or an object with an "events" array.', [raw]);
      }
      await send(batch);
    });
  });

  addRow();
}
