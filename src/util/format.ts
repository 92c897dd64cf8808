/** A proportion as a percentage with one decimal: 0.1234 → "12.3%". */
export const percent = (x: number): string => `${(100 * x).toFixed(1)}%`;
