// API errors in a billing operator's words. Pure (no DOM): unit-tested with `node --test`.
//
// A 4xx body names fields by their path in the request ("events[2].quantity",
// "prices[0].tiers[1].up_to"); a form passes the labels its controls show, and each field
// error is shown next to that control as "Event 3 · Quantity: must be greater than or equal to 0".
import { ApiError } from "./api.js";

/** Names of repeated groups in request bodies: events[2] is "Event 3". */
const GROUPS: Record<string, string> = { events: "Event", prices: "Price", tiers: "Tier", line_items: "Line" };

interface Segment {
  name: string;
  index: number | null;
}

export function parseFieldPath(path: string): Segment[] {
  const segments: Segment[] = [];
  for (const part of path.split(".")) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) {
      segments.push({ name: part, index: null });
      continue;
    }
    const indices = Array.from((match[2] ?? "").matchAll(/\[(\d+)\]/g), (m) => Number(m[1]));
    if (match[1]) segments.push({ name: match[1], index: indices.length ? (indices.shift() ?? null) : null });
    for (const index of indices) segments.push({ name: "", index });
  }
  return segments;
}

/** The path with its indices blanked, the key of a label: "prices[0].tiers[1].up_to" -> "prices[].tiers[].up_to". */
export function fieldKey(path: string): string {
  return path.replace(/\[\d+\]/g, "[]");
}

function humanize(name: string): string {
  const words = name.replace(/_/g, " ").trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : "";
}

/**
 * The label of a field path: `labels` maps a leaf name ("quantity") or a key ("prices[].tiers[].up_to")
 * to the text of its control; groups become "Price 1 · Tier 2 · Up to".
 */
export function fieldLabel(path: string, labels: Readonly<Record<string, string>> = {}): string {
  if (!path) return "Request";
  const exact = labels[fieldKey(path)];
  const segments = parseFieldPath(path);
  const parts: string[] = [];
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment.index !== null) {
      parts.push(`${GROUPS[segment.name] ?? humanize(segment.name || "Item")} ${segment.index + 1}`);
    } else if (last) {
      parts.push(exact ?? labels[segment.name] ?? humanize(segment.name));
    } else if (segment.name !== "body") {
      parts.push(labels[segment.name] ?? humanize(segment.name));
    }
  });
  return parts.join(" · ");
}

/** Pydantic's phrasing made plain: "Input should be greater than 0" -> "must be greater than 0". */
export function plainMessage(message: string): string {
  const text = message.trim().replace(/^Value error, /i, "");
  const rules: [RegExp, string][] = [
    [/^Field required$/i, "is required"],
    [/^Input should be a valid decimal$/i, "must be a number such as 10 or 0.25"],
    [/^Decimal input should be an integer or a float$/i, "must be a number such as 10 or 0.25"],
    [/^Input should be a valid number.*$/i, "must be a number such as 10 or 0.25"],
    [/^Input should be a valid datetime.*$/i, "must be a date and time with a zone, such as 2025-09-15T12:00:00Z"],
    [/^Input should be /i, "must be "],
    [/^String should have at least 1 character$/i, "must not be empty"],
    [/^Extra inputs are not permitted$/i, "is not used by this kind of entry"],
  ];
  for (const [pattern, replacement] of rules) {
    if (pattern.test(text)) return text.replace(pattern, replacement);
  }
  return text;
}

/** A 404 of the route itself (the gateway's {"message": "Not Found"}), not of a missing record. */
export function isMissingRoute(error: unknown): boolean {
  return error instanceof ApiError && error.kind === "http" && error.status === 404 && error.code === undefined;
}

export interface FieldProblem {
  path: string;
  label: string;
  message: string;
}

export interface Explained {
  /** One sentence for the form's alert. */
  summary: string;
  /** One per field named by the API. */
  fields: FieldProblem[];
}

/** What went wrong, for an operator: a summary and the field problems with their labels. */
export function explainError(error: unknown, labels: Readonly<Record<string, string>> = {}): Explained {
  if (!(error instanceof ApiError)) {
    return { summary: error instanceof Error ? error.message : String(error), fields: [] };
  }
  const fields = error.fields.map((f) => ({
    path: f.field,
    label: fieldLabel(f.field, labels),
    message: plainMessage(f.message),
  }));
  if (error.kind === "network") {
    return { summary: "The API could not be reached. Check the API base URL in Settings and that the API is running.", fields };
  }
  if (error.kind === "invalid-response") {
    return { summary: "The API answered with something that is not JSON. Check the API base URL in Settings.", fields };
  }
  switch (error.status) {
    case 401:
      return { summary: "No API key was sent. Add your API key in Settings.", fields };
    case 403:
      return { summary: "The API key was refused, or it may not do this. Check the key in Settings.", fields };
    case 404:
      return error.code === undefined
        ? { summary: "This API does not offer this yet (the route is missing on the server).", fields }
        : { summary: `Not found: ${error.message}.`, fields };
    case 409:
      return { summary: `Not done: ${error.message}.`, fields };
    default:
      break;
  }
  if (error.status >= 500) {
    return { summary: `The API failed (HTTP ${error.status}). Try again; if it keeps failing, the server log says why.`, fields };
  }
  if (fields.length) {
    const n = fields.length;
    return { summary: `Nothing was saved: ${n} field${n === 1 ? " needs" : "s need"} attention.`, fields };
  }
  return { summary: error.message, fields };
}
