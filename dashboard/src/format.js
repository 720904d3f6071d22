// How numbers, money and times read on every page.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export const int = (n) => (n === null || n === undefined ? '–' : integer.format(n));
export const short = (n) => (n === null || n === undefined ? '–' : compact.format(n));

// USD with as many decimals as small amounts need: $1,234.56, $0.0123, $0.000004.
export function usd(n) {
  if (n === null || n === undefined) return '–';
  const abs = Math.abs(n);
  const digits = abs === 0 || abs >= 1 ? 2 : Math.min(8, Math.max(2, 2 - Math.floor(Math.log10(abs))));
  return (n < 0 ? '-$' : '$') + abs.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// Axis labels: $1.2K, $12, $0.003.
export const usdShort = (n) => (Math.abs(n) >= 1 ? `$${short(n)}` : `$${Number(n.toPrecision(2))}`);

export const pct = (n) => (n === null || n === undefined ? '–' : `${n.toFixed(n >= 99.95 || n === 0 ? 0 : 1)}%`);
export const ms = (n) => (n === null || n === undefined ? '–' : n >= 10000 ? `${(n / 1000).toFixed(1)} s` : `${integer.format(n)} ms`);

// ISO 8601 UTC as the API writes it, shown in UTC too so every operator reads the same time.
export function time(iso) {
  if (!iso) return '–';
  return iso.replace('T', ' ').replace(/\.\d+/, '').replace('Z', ' UTC');
}

export const shortHash = (hash) => (hash ? `${hash.slice(0, 8)}…` : '–');
