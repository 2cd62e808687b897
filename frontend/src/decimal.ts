// Exact addition of decimal strings ("0.16", "1500", "-2.5") with BigInt, for totals of
// quantities shown to the user. Never goes through JS floating point.

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

interface Parsed {
  units: bigint;
  scale: number;
}

function parse(value: string): Parsed {
  const match = DECIMAL.exec(value.trim());
  if (!match || (!match[2] && !match[3])) throw new Error(`not a decimal string: ${JSON.stringify(value)}`);
  const sign = match[1] === "-" ? -1n : 1n;
  const fraction = match[3] ?? "";
  const units = BigInt((match[2] || "0") + fraction);
  return { units: sign * units, scale: fraction.length };
}

function format(units: bigint, scale: number): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, "0");
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

/** Sums decimal strings exactly; the result keeps the largest scale among the inputs. */
export function sumDecimals(values: string[]): string {
  const parsed = values.map(parse);
  const scale = Math.max(0, ...parsed.map((p) => p.scale));
  let total = 0n;
  for (const p of parsed) total += p.units * 10n ** BigInt(scale - p.scale);
  return format(total, scale);
}

export function isDecimalString(value: string): boolean {
  const match = DECIMAL.exec(value.trim());
  return match !== null && Boolean(match[2] || match[3]);
}

/** a - b, exactly. */
export function subtractDecimals(a: string, b: string): string {
  const pb = parse(b);
  return sumDecimals([a, format(-pb.units, pb.scale)]);
}

/** -1, 0 or 1 as a is below, equal to or above b (exactly: "0.10" equals "0.1"). */
export function compareDecimals(a: string, b: string): number {
  const diff = parse(subtractDecimals(a, b)).units;
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}

export function isZeroDecimal(value: string): boolean {
  return parse(value).units === 0n;
}

/** Groups the integer digits for reading: "1234567.5" -> "1,234,567.5" (the digits are never changed). */
export function groupDigits(value: string): string {
  const match = /^([+-]?)(\d+)(\.\d*)?$/.exec(value.trim());
  if (!match) return value;
  return `${match[1]}${(match[2] ?? "").replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${match[3] ?? ""}`;
}

/** "1,234.50 USD": an amount as the API sent it (already rounded to the currency's minor unit), grouped. */
export function formatMoney(amount: string, currency: string): string {
  return `${groupDigits(amount)} ${currency}`;
}
