// Pricing: the price in force on every endpoint and, expanded, every price it ever had
// (rows are never changed: a new one supersedes the last from its effective time).
// Prices in USD per million tokens; request in USD per request. Export: every price row.
import { getJson } from '../api.js';
import { toCsv } from '../csv.js';
import { h } from '../dom.js';
import { time, usd } from '../format.js';
import { badge, dataTable, stack } from '../table.js';

// Prices from config.yaml hold from the epoch: they were always in force.
const since = (iso) => (Date.parse(iso) === 0 ? 'always' : time(iso));

const priceColumns = [
  { label: 'Prompt /M', csv: 'prompt', value: (p) => p.prompt, cell: (p) => usd(p.prompt), num: true },
  { label: 'Completion /M', csv: 'completion', value: (p) => p.completion, cell: (p) => usd(p.completion), num: true },
  { label: 'Request', csv: 'request', value: (p) => p.request, cell: (p) => usd(p.request), num: true },
  { label: 'Cache read · write /M', csv: 'input_cache_read', value: (p) => p.input_cache_read,
    cell: (p) => (p.input_cache_read === null && p.input_cache_write === null ? '–' : `${usd(p.input_cache_read)} · ${usd(p.input_cache_write)}`), num: true },
  { csv: 'input_cache_write', value: (p) => p.input_cache_write, hidden: true },
  { label: 'Effective from', csv: 'effective_from', value: (p) => p.effective_from, cell: (p) => since(p.effective_from) },
  { label: 'Source', csv: 'source', value: (p) => p.source, cell: (p) => stack(p.source, p.set_by) },
];

const shown = priceColumns.filter((c) => !c.hidden);

// What an endpoint row shows of its price in force: the same columns, or one "unpriced" cell.
const inForce = shown.map((c) => ({ ...c, value: (e) => (e.in_force ? c.value(e.in_force) : null),
  cell: (e) => (e.in_force ? (c.cell ?? c.value)(e.in_force) : '–') }));

const endpointColumns = [
  { label: 'Endpoint', value: (e) => e.model, cell: (e) => stack(e.model, `${e.provider} · ${e.upstream_model}`) },
  ...inForce,
  { label: 'History', value: (e) => e.history.length, cell: (e) => (e.in_force ? `${e.history.length} price${e.history.length === 1 ? '' : 's'}` : badge('unpriced', 'warn')), num: true },
];

// CSV: one line per price row, in force or superseded.
const csvColumns = [
  { csv: 'model', value: (r) => r.model }, { csv: 'provider', value: (r) => r.provider }, { csv: 'upstream_model', value: (r) => r.upstream_model },
  { csv: 'in_force', value: (r) => r.in_force }, { csv: 'id', value: (r) => r.id },
  ...priceColumns.map((c) => ({ csv: c.csv, value: (r) => c.value(r) })), { csv: 'set_by', value: (r) => r.set_by }, { csv: 'created_at', value: (r) => r.created_at },
];
const priceRows = (data) => data.flatMap((e) => e.history.map((p) => ({ ...p, in_force: p.id === e.in_force?.id })));

function history(e) {
  const cols = [...shown, { label: 'State', value: (p) => p.id,
    cell: (p) => (p.id === e.in_force?.id ? badge('in force', 'good') : Date.parse(p.effective_from) > Date.now() ? badge('scheduled', 'info') : badge('superseded', 'muted')) }];
  return h('div', { class: 'detail-body' }, h('h4', {}, `Price history of ${e.model} on ${e.provider}`), dataTable(cols, e.history, { empty: 'No price was ever set.' }).el);
}

export async function render(ctx) {
  const { body } = await getJson('/api/v1/admin/pricing');
  ctx.setExport(() => ({ filename: 'switchyard-pricing.csv', text: toCsv(csvColumns, priceRows(body.data)) }));
  ctx.main.append(h('p', { class: 'summary' }, 'USD per million tokens; a request is billed at the price in force when it started. Expand an endpoint for its history.'),
    h('section', { class: 'card', id: 'pricing-table' }, dataTable(endpointColumns, body.data, { empty: 'The catalog has no endpoints.', detail: history }).el));
}
