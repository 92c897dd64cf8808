/** A proportion as a percentage with one decimal: 0.1234 → "12.3%". */
export const percent = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** A count with thousands separators: 1234567 → "1,234,567". */
export const integer = (x: number): string => Math.round(x).toLocaleString('en-US');

const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** A cost in US dollars: "$1,234.50"; sub-cent amounts keep four decimals ("$0.0012") instead of "$0.00". */
export const usd = (x: number): string => (x > 0 && x < 0.01 ? `$${x.toFixed(4)}` : dollars.format(x));

/** A signed change in percentage points: +0.05 → "+5.0 pt", −0.05 → "−5.0 pt", 0 → "±0.0 pt". */
export const signedPoints = (x: number): string =>
  `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(100 * x).toFixed(1)} pt`;

/** A p-value for people: four decimals, or scientific notation below 0.0001. */
export const pValue = (p: number): string => (p < 0.0001 ? p.toExponential(1) : p.toFixed(4));
