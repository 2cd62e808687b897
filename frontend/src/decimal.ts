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
