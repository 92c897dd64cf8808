/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes, `""` escapes a quote inside a
 * quoted field, quoted fields may span lines, CRLF or LF row ends. Returns rows of strings; `rowLines`,
 * when given, receives the 1-based line each row starts on.
 */
export function parseCsv(text: string, rowLines?: number[]): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let fieldStarted = false;
  let line = 1;
  let rowLine = 1;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  while (i < s.length) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
      i++;
      continue;
    }
    if (c === ',') {
      row.push(field);
      field = '';
      fieldStarted = false;
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      row.push(field);
      rows.push(row);
      rowLines?.push(rowLine);
      row = [];
      field = '';
      fieldStarted = false;
      i += c === '\r' && s[i + 1] === '\n' ? 2 : 1;
      line++;
      rowLine = line;
      continue;
    }
    field += c;
    fieldStarted = true;
    i++;
  }
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (fieldStarted || field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
    rowLines?.push(rowLine);
  }
  return rows;
}

/** CSV with a header row → one object per data row, keyed by header. */
export function parseCsvObjects(text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows
    .filter((r) => !(r.length === 1 && r[0] === ''))
    .map((r) => {
      const o: Record<string, string> = {};
      header.forEach((h, k) => {
        o[h] = r[k] ?? '';
      });
      return o;
    });
}
