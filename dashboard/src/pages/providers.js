// Providers: every endpoint of the live catalog with its health (status, circuit, uptime over
// 5 min / 30 min / 1 day, latency and throughput percentiles) and its price in force.
// Export: this table as CSV.
import { getJson } from '../api.js';
import { toCsv } from '../csv.js';
import { h } from '../dom.js';
import { int, pct, usd } from '../format.js';
import { badge, dataTable, meter, stack } from '../table.js';

const STATUS = { 0: ['serving', 'good'], '-1': ['degraded', 'warn'], '-2': ['down', 'bad'] };
const CIRCUIT = { closed: 'good', half_open: 'warn', open: 'bad' };
const uptimeTone = (p) => (p >= 99 ? 'good' : p >= 95 ? 'warn' : 'bad');

function uptime(row, window) {
  const p = row[`uptime_last_${window}`];
  const n = row[`requests_last_${window}`];
  if (!n) return h('span', { class: 'muted' }, 'no traffic');
  return stack(`${pct(p)} of ${int(n)}`, meter(p / 100, uptimeTone(p)));
}

const PERCENTILES = ['p50', 'p75', 'p90', 'p99'];
const LATENCY = { field: 'latency_last_30m', label: 'Latency', unit: 'ms', show: (v) => String(Math.round(v)) };
const THROUGHPUT = { field: 'throughput_last_30m', label: 'Throughput', unit: 'tok/s', show: (v) => v.toFixed(0) };

// On screen one cell, p50 · p90 · p99; in the CSV one column per percentile.
function percentiles(m) {
  const shown = { label: [`${m.label}, ${m.unit}`, h('small', {}, 'p50 · p90 · p99')], csv: `${m.field}_p50`, num: true,
    value: (r) => r[m.field]?.p50 ?? null, cell: (r) => (r[m.field] ? ['p50', 'p90', 'p99'].map((q) => m.show(r[m.field][q])).join(' · ') : '–') };
  const rest = PERCENTILES.slice(1).map((q) => ({ csv: `${m.field}_${q}`, value: (r) => r[m.field]?.[q] ?? null, hidden: true }));
  return [shown, ...rest];
}

const window = (w) => ({ label: `Uptime ${w}`, csv: `uptime_last_${w}`, value: (r) => r[`uptime_last_${w}`], cell: (r) => uptime(r, w) });
const requests = (w) => ({ label: `Requests ${w}`, csv: `requests_last_${w}`, value: (r) => r[`requests_last_${w}`], hidden: true });

export const columns = [
  { label: 'Endpoint', csv: 'model', value: (r) => r.model, cell: (r) => stack(r.model, `${r.provider} · ${r.kind}`) },
  { label: 'Provider', csv: 'provider', value: (r) => r.provider, hidden: true },
  { label: 'Kind', csv: 'kind', value: (r) => r.kind, hidden: true },
  { label: 'Upstream model', csv: 'upstream_model', value: (r) => r.upstream_model, cell: (r) => stack(r.upstream_model, r.quantization !== 'unknown' && r.quantization) },
  { label: 'Status · circuit', csv: 'status', value: (r) => r.status, cell: (r) => h('span', {}, badge(...(STATUS[r.status] ?? [String(r.status), 'warn'])),
    badge(`circuit ${r.circuit.replace('_', '-')}`, CIRCUIT[r.circuit] ?? 'warn')) },
  { label: 'Circuit', csv: 'circuit', value: (r) => r.circuit, hidden: true },
  window('5m'), window('30m'), window('1d'), requests('5m'), requests('30m'), requests('1d'),
  ...percentiles(LATENCY), ...percentiles(THROUGHPUT),
  { label: 'Price /M in · out', csv: 'price_prompt', value: (r) => r.price?.prompt ?? null,
    cell: (r) => (r.price ? `${usd(r.price.prompt)} · ${usd(r.price.completion)}` : h('span', { class: 'muted' }, 'unpriced')), num: true },
  { label: 'Price completion', csv: 'price_completion', value: (r) => r.price?.completion ?? null, hidden: true },
  { label: 'Price request', csv: 'price_request', value: (r) => r.price?.request ?? null, hidden: true },
];

export async function render(ctx) {
  const { body } = await getJson('/api/v1/admin/providers');
  ctx.setExport(() => ({ filename: 'switchyard-providers.csv', text: toCsv(columns, body.data) }));
  const shown = columns.filter((c) => !c.hidden);
  const down = body.data.filter((r) => r.status !== 0).length;
  ctx.main.append(h('p', { class: 'summary' }, `${body.data.length} endpoints, ${down} degraded or down. Health windows are rolling; percentiles cover the last 30 minutes.`),
    h('section', { class: 'card', id: 'providers-table' }, dataTable(shown, body.data, { empty: 'The catalog has no endpoints.' }).el));
}
