/**
 * What the screen shows of the fields the card was read as. The person holds the card, so the screen needs only
 * enough to recognise a misreading; a shoulder-surfer or a screenshot should not get the whole identity number.
 */

const NUMBER_FIELDS = new Set(["nik", "npwp", "npwp_formatted"]);
const DATE_FIELDS = new Set(["birth_date"]);

/** 3171234567890001 -> 3171 •••• •••• 0001; punctuation (an NPWP's dots and dashes) is dropped first. */
export function maskNumber(value: string): string {
  const digits = value.replace(/\D/g, "");
  if (digits.length <= 8) return "•".repeat(digits.length);
  const hidden = digits.length - 8;
  const middle = "•".repeat(hidden).replace(/(.{4})(?=.)/g, "$1 ");
  return `${digits.slice(0, 4)} ${middle} ${digits.slice(-4)}`;
}

/** 17-08-1990 -> ••-••-1990: the year is enough to spot a misread. */
export function maskDate(value: string): string {
  let keep = (value.match(/\d/g) ?? []).length - 4;
  return value.replace(/\d/g, (digit) => (keep-- > 0 ? "•" : digit));
}

export function maskField(name: string, value: string): string {
  if (NUMBER_FIELDS.has(name)) return maskNumber(value);
  if (DATE_FIELDS.has(name)) return maskDate(value);
  return value;
}

/** Fields in a stable, readable order: the identity number first, then the rest alphabetically. */
export function maskedFields(fields: Record<string, string>): Array<{ name: string; value: string }> {
  const order = (name: string) => (NUMBER_FIELDS.has(name) ? 0 : name === "name" ? 1 : 2);
  return Object.entries(fields)
    .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
    .map(([name, value]) => ({ name, value: maskField(name, value) }));
}
