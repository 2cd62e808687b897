// Bulk event paste: JSON lines or CSV into the body of POST /v1/events/batch. Pure (no DOM):
// unit-tested with `node --test`.
//
// JSON lines are sent as typed (each line is checked with JSON.parse, but its text goes into the
// body), so a quantity with more digits than a double holds reaches the API exactly. The batch
// always goes to the customer picked in the form: a line naming another customer is refused.

export interface BulkEvent {
  /** The event object as JSON text, sent verbatim. */
  json: string;
  feature: string;
  quantity: string;
  ts: string;
  id: string;
}

export interface BulkProblem {
  /** 1-based line number in the pasted text. */
  line: number;
  message: string;
}

export interface ParsedBulk {
  format: "json" | "csv" | "empty";
  events: BulkEvent[];
  problems: BulkProblem[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The raw text of a top-level "quantity" number in a JSON object line, so it is shown exactly. */
function rawQuantity(text: string): string | null {
  const match = /"quantity"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"[^"]*")/.exec(text);
  if (!match?.[1]) return null;
  return match[1].startsWith('"') ? match[1].slice(1, -1) : match[1];
}

function parseJsonLines(lines: string[], customerId: string): ParsedBulk {
  const events: BulkEvent[] = [];
  const problems: BulkProblem[] = [];
  lines.forEach((raw, i) => {
    const text = raw.trim();
    if (!text) return;
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      problems.push({ line: i + 1, message: "is not a JSON object (one event per line)" });
      return;
    }
    if (!isRecord(value)) {
      problems.push({ line: i + 1, message: "is not a JSON object (one event per line)" });
      return;
    }
    const other = value["customer_id"];
    if (other !== undefined && other !== customerId) {
      problems.push({
        line: i + 1,
        message: `names customer ${String(other)}, but this batch goes to ${customerId || "the customer picked above"}`,
      });
      return;
    }
    let json = text;
    if (other !== undefined) {
      const { customer_id: _drop, ...rest } = value;
      void _drop;
      json = JSON.stringify(rest); // only when a customer_id must go: other numbers are then re-serialised
    }
    events.push({
      json,
      feature: typeof value["feature"] === "string" ? value["feature"] : "",
      quantity: rawQuantity(text) ?? String(value["quantity"] ?? ""),
      ts: typeof value["ts"] === "string" ? value["ts"] : "",
      id: typeof value["id"] === "string" ? value["id"] : "",
    });
  });
  return { format: "json", events, problems };
}

/** Splits one CSV line (RFC 4180 quotes: "a,b" and "" for a quote). */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      cells.push(cell);
      cell = "";
    } else cell += c;
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}

const CSV_COLUMNS = ["feature", "quantity", "ts", "id"] as const;

function parseCsv(lines: string[]): ParsedBulk {
  const events: BulkEvent[] = [];
  const problems: BulkProblem[] = [];
  const headerIndex = lines.findIndex((l) => l.trim());
  const header = splitCsvLine(lines[headerIndex] ?? "").map((h) => h.toLowerCase().replace(/^timestamp$/, "ts"));
  const missing = ["feature", "quantity", "ts"].filter((c) => !header.includes(c));
  if (missing.length) {
    problems.push({
      line: headerIndex + 1,
      message: `the CSV header must name the columns feature, quantity and ts (missing: ${missing.join(", ")})`,
    });
    return { format: "csv", events, problems };
  }
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const text = lines[i] ?? "";
    if (!text.trim()) continue;
    const cells = splitCsvLine(text);
    const get = (name: (typeof CSV_COLUMNS)[number]): string => {
      const at = header.indexOf(name);
      return at < 0 ? "" : (cells[at] ?? "");
    };
    const event: Record<string, string> = { feature: get("feature"), quantity: get("quantity"), ts: get("ts") };
    if (get("id")) event["id"] = get("id");
    events.push({ json: JSON.stringify(event), feature: get("feature"), quantity: get("quantity"), ts: get("ts"), id: get("id") });
  }
  return { format: "csv", events, problems };
}

/** JSON lines when the first non-blank line starts with "{", otherwise CSV with a header row. */
export function parseBulkEvents(text: string, customerId: string): ParsedBulk {
  const lines = text.split(/\r?\n/);
  const first = lines.find((l) => l.trim())?.trim();
  if (first === undefined) return { format: "empty", events: [], problems: [] };
  return first.startsWith("{") ? parseJsonLines(lines, customerId) : parseCsv(lines);
}

/** The batch body with the events' JSON text as typed. */
export function batchBody(customerId: string, events: BulkEvent[]): string {
  return `{"customer_id": ${JSON.stringify(customerId)}, "events": [${events.map((e) => e.json).join(", ")}]}`;
}
