// CSV out of the browser: RFC 4180 (fields with a comma, quote or line break quoted, quotes
// doubled, CRLF line ends), the same rules the server's exports follow.

export function csvField(value) {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

// columns: [{csv: 'header', value: row => raw value}]
export function toCsv(columns, rows) {
  const lines = [columns.map((c) => csvField(c.csv)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(c.value(row))).join(','));
  return lines.join('\r\n') + '\r\n';
}

// Saves text as a file. The data came through a Bearer-authenticated fetch, so a plain link
// to the API cannot do it: the key must never travel in a URL.
export function download(filename, text, type = 'text/csv') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
