// Date helpers. Everything the dashboard sends is UTC ISO 8601 with "Z".

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** Now as ISO 8601 UTC without milliseconds, e.g. 2025-09-03T10:15:00Z. */
export function nowIso(now: Date = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A Date as the value of an <input type="datetime-local"> in UTC: YYYY-MM-DDTHH:MM. */
export function toUtcInputValue(date: Date): string {
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`
  );
}

const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Interprets a datetime-local value (or ISO text) as an ISO 8601 instant.
 * Values without a zone are taken as UTC; returns null when the text is not a date-time.
 */
export function toUtcIso(value: string): string | null {
  const text = value.trim();
  if (!text) return null;
  let iso: string;
  if (HAS_ZONE.test(text)) iso = text;
  else if (LOCAL.test(text)) iso = text.length === 16 ? `${text}:00Z` : `${text}Z`;
  else if (DATE_ONLY.test(text)) iso = `${text}T00:00:00Z`;
  else return null;
  return Number.isNaN(Date.parse(iso)) ? null : iso;
}

/** Start of the month (UTC) containing `date`, shifted by `months`. */
export function monthStartUtc(date: Date, months = 0): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
}

/** The previous calendar month as YYYY-MM (UTC). */
export function previousPeriod(now: Date = new Date()): string {
  const d = monthStartUtc(now, -1);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
}

/** Short label for a window start like 2025-09-03T00:00:00+02:00: keeps the wall-clock time as sent. */
export function windowLabel(iso: string, window: "hour" | "day"): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso);
  if (!match) return iso;
  const [, , month, day, hour, minute] = match;
  return window === "day" ? `${month}-${day}` : `${month}-${day} ${hour}:${minute}`;
}
