// Events: one event through a form, or many pasted as JSON lines or CSV, always for the customer
// picked here; the reply is shown per event (accepted, duplicate, or refused with field and reason).
import { ApiError } from "../api.js";
import type { BatchResult, EventInput } from "../api-types.js";
import { batchBody, parseBulkEvents, type BulkEvent } from "../bulk-events.js";
import { hasKey, isAdmin, noKeyNotice, pageHeader, customerLink, type View } from "../context.js";
import { customerPicker } from "../customer-picker.js";
import { isDecimalString } from "../decimal.js";
import { badge, dataTable, h, replaceChildren, userText } from "../dom.js";
import { fieldLabel, parseFieldPath, plainMessage } from "../errors.js";
import { actions, feedback, field, input, onSubmit, ProblemsError } from "../forms.js";
import { periodName, previousPeriod, timestampInPeriod, toUtcIso } from "../time.js";
import { getConfig } from "../settings.js";

const EVENT_LABELS = { customer_id: "Customer", feature: "Feature", quantity: "Quantity", ts: "Timestamp", id: "Event ID", properties: "Properties" };

interface Sent {
  feature: string;
  quantity: string;
  ts: string;
  id: string;
}

function resultsTable(customerName: Node, sent: Sent[], reply: BatchResult | null, refused: Map<number, string[]>): HTMLElement {
  const rows = sent.map((e, i) => {
    const r = reply?.results.find((x) => x.index === i);
    const problems = refused.get(i);
    const outcome = r
      ? badge(r.status)
      : problems
        ? h("span", {}, badge("refused"), " ", problems.join("; "))
        : h("span", { class: "muted" }, "not stored (the batch was refused)");
    return [String(i + 1), userText(e.feature), e.quantity, e.ts, r?.id ?? e.id ?? "", outcome];
  });
  const summary = reply
    ? `${reply.accepted} accepted, ${reply.duplicates} duplicate${reply.duplicates === 1 ? "" : "s"} (already stored, not counted again).`
    : `Nothing was stored: ${refused.size} of ${sent.length} event${sent.length === 1 ? "" : "s"} refused.`;
  return h(
    "section",
    { class: "card", id: "events-result", "aria-labelledby": "events-result-title" },
    h("h2", { id: "events-result-title" }, "Results"),
    h("p", { id: "events-summary" }, "Sent to ", customerName, `. ${summary}`),
    dataTable({ id: "events-results-table" }, "Per-event results", [{ label: "#" }, { label: "Feature", kind: "key" }, { label: "Quantity", kind: "num" }, { label: "Timestamp" }, { label: "Event ID" }, { label: "Result" }], rows, true),
  );
}

/** Field problems of a refused batch by event index: "events[2].quantity" -> event 2: "Quantity must be …". */
function refusedByEvent(error: ApiError): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const f of error.fields) {
    const [head, leaf] = parseFieldPath(f.field);
    if (head?.name !== "events" || head.index === null) continue;
    const label = leaf ? fieldLabel(leaf.name, EVENT_LABELS) : "Event";
    out.set(head.index, [...(out.get(head.index) ?? []), `${label} ${plainMessage(f.message)}`]);
  }
  return out;
}

export const eventsView: View = async (ctx, route, root) => {
  if (route.view !== "events") return;
  root.append(pageHeader("Events"));
  if (!hasKey()) {
    root.append(noKeyNotice("Sending events"));
    return;
  }
  const billed = previousPeriod();
  const work = h("div", { class: "events-work" });
  const picker = isAdmin() ? customerPicker(ctx, "event-customer", route.customer) : customerPicker(ctx, "event-customer", getConfig().keyCustomerId, true);
  const results = h("div", { id: "events-results" });

  // --- one event ---------------------------------------------------------------------------------
  const feature = field("event-feature", "Feature", input({ placeholder: "api_calls" }));
  const quantity = field("event-quantity", "Quantity", input({ inputmode: "decimal", value: "1" }), "A number such as 10 or 2.5; read exactly.");
  const ts = field(
    "event-ts",
    "Timestamp",
    input({ value: timestampInPeriod(billed) }),
    `ISO 8601; without a zone it is read as UTC. The default lies in ${periodName(billed)}, the period a billing run bills by default.`,
  );
  const eventId = field("event-id", "Event ID (optional)", input({ placeholder: "evt-123" }), "Your transaction id: a retry with the same id is not counted twice.");
  const one = feedback("event-one");
  const single = h(
    "form",
    { class: "card form", id: "event-form", novalidate: true, "aria-labelledby": "event-form-title" },
    h("h2", { id: "event-form-title" }, "One event"),
    h("div", { class: "grid" }, feature.wrap, quantity.wrap, ts.wrap, eventId.wrap),
    actions(h("button", { type: "submit" }, "Send event")),
    one.alert,
    one.status,
  );
  const singleControls: Record<string, HTMLElement> = { feature: feature.control, quantity: quantity.control, ts: ts.control, id: eventId.control };

  // --- many events --------------------------------------------------------------------------------
  const bulkText = field(
    "events-bulk",
    "Events (JSON lines or CSV)",
    h("textarea", { rows: 7, spellcheck: "false", placeholder: '{"feature": "api_calls", "quantity": 10, "ts": "2025-09-15T12:00:00Z", "id": "evt-1"}' }),
    "One JSON object per line, or CSV with a header row: feature,quantity,ts,id. All go to the customer above.",
  );
  const many = feedback("events-bulk");
  const bulk = h(
    "form",
    { class: "card form", id: "events-bulk-form", novalidate: true, "aria-labelledby": "events-bulk-title" },
    h("h2", { id: "events-bulk-title" }, "Many events"),
    bulkText.wrap,
    actions(h("button", { type: "submit" }, "Send events")),
    many.alert,
    many.status,
  );

  const target = async (): Promise<{ id: string; name: Node }> => {
    const id = picker.control.value.trim();
    if (!id) throw new ProblemsError([{ path: "customer_id", message: "is required: pick the customer these events belong to" }]);
    const customer = await picker.resolve();
    return { id, name: customer ? customerLink(customer.id, customer.name, true) : document.createTextNode(id) };
  };

  const send = async (customer: { id: string; name: Node }, body: string, sent: Sent[], onSuccess: () => void): Promise<void> => {
    try {
      const reply = await ctx.api.ingestBatchJson(body);
      replaceChildren(results, resultsTable(customer.name, sent, reply, new Map()));
      onSuccess();
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        const refused = refusedByEvent(error);
        if (refused.size) replaceChildren(results, resultsTable(customer.name, sent, null, refused));
      }
      throw error;
    }
  };

  onSubmit(
    single,
    one.alert,
    async () => {
      const customer = await target();
      const problems = [];
      if (!feature.control.value.trim()) problems.push({ path: "events[0].feature", message: "is required" });
      if (!isDecimalString(quantity.control.value)) problems.push({ path: "events[0].quantity", message: "must be a number such as 10 or 2.5" });
      const iso = toUtcIso(ts.control.value);
      if (!iso) problems.push({ path: "events[0].ts", message: "must be a date and time such as 2025-09-15T12:00:00Z" });
      if (problems.length) throw new ProblemsError(problems);
      const e: EventInput = { feature: feature.control.value.trim(), quantity: quantity.control.value.trim(), ts: iso ?? "" };
      if (eventId.control.value.trim()) e.id = eventId.control.value.trim();
      const sent = [{ feature: e.feature, quantity: String(e.quantity), ts: e.ts, id: e.id ?? "" }];
      await send(customer, JSON.stringify({ customer_id: customer.id, events: [e] }), sent, () => {
        eventId.control.value = ""; // the next event needs its own id; feature, quantity and time stay for the next one
        one.status.textContent = "Sent.";
      });
    },
    {
      scope: work,
      status: one.status,
      labels: EVENT_LABELS,
      resolve: (path) => (path === "customer_id" ? picker.control : singleControls[parseFieldPath(path).at(-1)?.name ?? ""]),
    },
  );

  onSubmit(
    bulk,
    many.alert,
    async () => {
      const customer = await target();
      const parsed = parseBulkEvents(bulkText.control.value, customer.id);
      if (parsed.format === "empty") throw new ProblemsError([{ path: "events", message: "are missing: paste at least one event" }]);
      if (parsed.problems.length) {
        throw new ProblemsError(
          parsed.problems.map((p) => ({ path: "events", message: `line ${p.line} ${p.message}` })),
          "Nothing was sent: some lines cannot be read.",
        );
      }
      const sent = parsed.events.map((e: BulkEvent) => ({ feature: e.feature, quantity: e.quantity, ts: e.ts, id: e.id }));
      await send(customer, batchBody(customer.id, parsed.events), sent, () => {
        bulk.reset();
        many.status.textContent = `Sent ${sent.length} event${sent.length === 1 ? "" : "s"}.`;
      });
    },
    {
      scope: work,
      status: many.status,
      labels: { ...EVENT_LABELS, events: "Events" },
      resolve: (path) => (path === "customer_id" ? picker.control : path === "events" ? bulkText.control : null),
    },
  );

  work.append(h("div", { class: "card form" }, picker.wrap), single, bulk);
  root.append(work, results);
};
