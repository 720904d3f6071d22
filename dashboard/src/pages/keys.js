// Keys: each key's spend against its limit in the current reset period, its rate limits and
// its dates. Export: the loaded keys as CSV.
import { toCsv } from '../csv.js';
import { h } from '../dom.js';
import { int, time, usd } from '../format.js';
import { KEYS_PAGE, keysPage } from '../keys_lookup.js';
import { pagedTable } from '../pager.js';
import { badge, meter, stack } from '../table.js';

function state(k) {
  if (k.disabled) return badge('disabled', 'bad');
  if (k.expires_at && Date.parse(k.expires_at) <= Date.now()) return badge('expired', 'bad');
  return badge('active', 'good');
}

function usageAgainstLimit(k) {
  if (k.limit === null) return stack(`${usd(k.usage)} total`, h('span', { class: 'muted' }, 'no limit'));
  const used = k.limit - k.limit_remaining;
  const fraction = k.limit > 0 ? used / k.limit : 1;
  return h('div', { class: 'stack' }, h('span', {}, `${usd(used)} of ${usd(k.limit)}`),
    meter(fraction, fraction >= 1 ? 'bad' : fraction >= 0.8 ? 'warn' : 'good'),
    h('small', {}, `${usd(k.limit_remaining)} left · ${k.limit_reset ? `resets ${k.limit_reset}` : 'never resets'}`));
}

const RATE_LIMITS = [['rpm', 'rpm'], ['tpm', 'tpm'], ['max_concurrent', 'concurrent']];
function rateLimits(k) {
  const set = RATE_LIMITS.filter(([f]) => k.rate_limits[f] !== null).map(([f, unit]) => `${int(k.rate_limits[f])} ${unit}`);
  return set.length ? h('div', { class: 'stack' }, set.map((s) => h('span', {}, s))) : h('span', { class: 'muted' }, 'server defaults');
}

export const columns = [
  { label: 'Name', csv: 'name', value: (k) => k.name, cell: (k) => stack(k.name, k.label) },
  { label: 'Label', csv: 'label', value: (k) => k.label, hidden: true },
  { label: 'Hash', csv: 'hash', value: (k) => k.hash, hidden: true },
  { label: 'State', csv: 'disabled', value: (k) => k.disabled, cell: (k) => h('div', { class: 'stack' },
    h('span', {}, state(k), k.is_management_key && badge('management', 'info')),
    h('small', {}, `created ${time(k.created_at).slice(0, 10)}`), k.expires_at && h('small', {}, `expires ${time(k.expires_at)}`)) },
  { label: 'Management', csv: 'is_management_key', value: (k) => k.is_management_key, hidden: true },
  { label: 'Usage against limit', csv: 'limit', value: (k) => k.limit, cell: usageAgainstLimit },
  { label: 'Remaining', csv: 'limit_remaining', value: (k) => k.limit_remaining, hidden: true },
  { label: 'Resets', csv: 'limit_reset', value: (k) => k.limit_reset, hidden: true },
  { label: 'Today', csv: 'usage_daily', value: (k) => k.usage_daily, cell: (k) => usd(k.usage_daily), num: true },
  { label: 'This week', csv: 'usage_weekly', value: (k) => k.usage_weekly, cell: (k) => usd(k.usage_weekly), num: true },
  { label: 'This month', csv: 'usage_monthly', value: (k) => k.usage_monthly, cell: (k) => usd(k.usage_monthly), num: true },
  { label: 'Total', csv: 'usage', value: (k) => k.usage, cell: (k) => usd(k.usage), num: true },
  { label: 'Rate limits', csv: 'rpm', value: (k) => k.rate_limits.rpm, cell: rateLimits },
  ...RATE_LIMITS.slice(1).map(([f]) => ({ csv: f, value: (k) => k.rate_limits[f], hidden: true })),
  { label: 'Created', csv: 'created_at', value: (k) => k.created_at, hidden: true },
  { label: 'Expires', csv: 'expires_at', value: (k) => k.expires_at, hidden: true },
];

export async function render(ctx) {
  const fetchPage = async (offset) => {
    const rows = await keysPage(offset ?? 0);
    return { rows, next: rows.length < KEYS_PAGE ? null : (offset ?? 0) + KEYS_PAGE };
  };
  const table = await pagedTable(columns.filter((c) => !c.hidden), fetchPage, { empty: 'No keys yet.', onError: ctx.fail });
  ctx.setExport(() => ({ filename: 'switchyard-keys.csv', text: toCsv(columns, table.rows) }));
  ctx.main.append(h('section', { class: 'card', id: 'keys-table' }, table.el));
}
