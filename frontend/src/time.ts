// Dates, billing periods and timezones. Pure (no DOM): unit-tested with `node --test`.
//
// Billing periods are calendar months in the customer's IANA timezone, as in the core
// (`2025-09` for America/New_York is [2025-09-01T04:00Z, 2025-10-01T04:00Z)). Everything the
// dashboard sends is ISO 8601 with a zone; everything it shows says which zone it is in.

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** Now as ISO 8601 UTC without milliseconds, e.g. 2025-09-03T10:15:00Z. */
export function nowIso(now: Date = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

/**
 * Reads a timestamp as typed: ISO 8601 with a zone is kept; without a zone (a datetime-local value,
 * or a bare date) it is taken as UTC. Returns null when the text is not a date-time.
 */
export function toUtcIso(value: string): string | null {
  const text = value.trim();
  if (!text) return null;
  let iso: string;
  if (HAS_ZONE.test(text) && text.includes("T")) iso = text;
  else if (LOCAL.test(text)) iso = text.length === 16 ? `${text}:00Z` : `${text}Z`;
  else if (DATE_ONLY.test(text)) iso = `${text}T00:00:00Z`;
  else return null;
  return Number.isNaN(Date.parse(iso)) ? null : iso;
}

export function isPeriod(value: string): boolean {
  return PERIOD.test(value.trim());
}

/** The period `months` after (or before, when negative) `period`. */
export function shiftPeriod(period: string, months: number): string {
  const match = PERIOD.exec(period);
  if (!match) throw new Error(`not a period (YYYY-MM): ${JSON.stringify(period)}`);
  const index = Number(match[1]) * 12 + (Number(match[2]) - 1) + months;
  return `${pad(Math.floor(index / 12), 4)}-${pad((index % 12) + 1)}`;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const partFormats = new Map<string, Intl.DateTimeFormat>();

function localParts(instant: Date, timeZone: string): LocalParts {
  let format = partFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partFormats.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const p of format.formatToParts(instant)) if (p.type !== "literal") parts[p.type] = Number(p.value);
  return {
    year: parts["year"] ?? 0,
    month: parts["month"] ?? 1,
    day: parts["day"] ?? 1,
    hour: (parts["hour"] ?? 0) % 24,
    minute: parts["minute"] ?? 0,
    second: parts["second"] ?? 0,
  };
}

/** The zone's offset from UTC at `instant`, in minutes (New York in September: -240). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const p = localParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** The instant a wall-clock time in `timeZone` names (the earlier one in a DST overlap, the later in a gap). */
export function zonedTime(timeZone: string, year: number, month: number, day = 1, hour = 0, minute = 0): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wall - offsetMinutes(new Date(wall), timeZone) * 60_000;
  const second = wall - offsetMinutes(new Date(guess), timeZone) * 60_000;
  if (second !== guess) guess = Math.min(guess, second);
  return new Date(guess);
}

/** [start, end) of a billing period in a timezone. */
export function periodBounds(period: string, timeZone: string): { start: Date; end: Date } {
  const match = PERIOD.exec(period);
  if (!match) throw new Error(`not a period (YYYY-MM): ${JSON.stringify(period)}`);
  const next = PERIOD.exec(shiftPeriod(period, 1));
  return {
    start: zonedTime(timeZone, Number(match[1]), Number(match[2])),
    end: zonedTime(timeZone, Number(next?.[1]), Number(next?.[2])),
  };
}

/** The period `now` falls in, in `timeZone` (default UTC). */
export function currentPeriod(now: Date = new Date(), timeZone = "UTC"): string {
  const p = localParts(now, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}`;
}

/** The calendar month before the current one (UTC): what billing runs bill by default. */
export function previousPeriod(now: Date = new Date()): string {
  return shiftPeriod(currentPeriod(now), -1);
}

/**
 * A timestamp that lies inside `period` in every timezone (mid-month, noon UTC: offsets never exceed 14 h).
 * The events form uses it as its default so that "add an event, run billing" bills it.
 */
export function timestampInPeriod(period: string): string {
  if (!isPeriod(period)) throw new Error(`not a period (YYYY-MM): ${JSON.stringify(period)}`);
  return `${period}-15T12:00:00Z`;
}

/** Local midnights of `timeZone` from `start` (a local midnight) up to, not including, `end`. */
export function localDayStarts(start: Date, end: Date, timeZone: string): Date[] {
  const days: Date[] = [];
  let p = localParts(start, timeZone);
  let day = zonedTime(timeZone, p.year, p.month, p.day);
  while (day.getTime() < end.getTime()) {
    if (day.getTime() >= start.getTime()) days.push(day);
    // Step to the next local date through noon UTC of the following calendar date.
    const next = new Date(Date.UTC(p.year, p.month - 1, p.day + 1, 12));
    p = { ...p, year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
    day = zonedTime(timeZone, p.year, p.month, p.day);
  }
  return days;
}

/** "2025-09-03 10:00" as the wall clock of `timeZone` shows the instant (date only with `dateOnly`). */
export function formatLocal(instant: Date | string, timeZone: string, dateOnly = false): string {
  const date = typeof instant === "string" ? new Date(instant) : instant;
  if (Number.isNaN(date.getTime())) return String(instant);
  const p = localParts(date, timeZone);
  const day = `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
  return dateOnly ? day : `${day} ${pad(p.hour)}:${pad(p.minute)}`;
}

/** A date-time with its zone named, e.g. "2025-09-03 10:00 (America/New_York)". */
export function formatInZone(instant: Date | string, timeZone: string, dateOnly = false): string {
  return `${formatLocal(instant, timeZone, dateOnly)} (${timeZone})`;
}

const MONTHS = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
]; // prettier-ignore

/** "September 2025" */
export function periodName(period: string): string {
  const match = PERIOD.exec(period);
  if (!match) return period;
  return `${MONTHS[Number(match[2]) - 1] ?? match[2]} ${match[1]}`;
}

/** "September 2025: 2025-09-01 – 2025-09-30 (America/New_York)": the last day is inclusive. */
export function describePeriod(period: string, timeZone: string): string {
  if (!isPeriod(period)) return period;
  const { start, end } = periodBounds(period, timeZone);
  const last = new Date(end.getTime() - 1);
  return `${periodName(period)}: ${formatLocal(start, timeZone, true)} – ${formatLocal(last, timeZone, true)} (${timeZone})`;
}

/** Short label for a window start like 2025-09-03T00:00:00+02:00: keeps the wall-clock date as sent. */
export function windowLabel(iso: string, window: "hour" | "day"): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso);
  if (!match) return iso;
  const [, , month, day, hour, minute] = match;
  return window === "day" ? `${month}-${day}` : `${month}-${day} ${hour}:${minute}`;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}
