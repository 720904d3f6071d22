// Recent generations, newest first, 50 a page (the X-Next-Cursor header walks down), each
// with its attempts: which endpoints were tried, in order, and why each failed.
// Export: exactly the loaded rows, as the server's own CSV (cursor just above the newest
// row shown, limit the number shown), so rows that arrived since do not slip in.
import { getJson, getText, query } from '../api.js';
import { h } from '../dom.js';
import { int, ms, shortHash, time, usd } from '../format.js';
import { keyNames } from '../keys_lookup.js';
import { pagedTable } from '../pager.js';
import { badge, dataTable, stack } from '../table.js';

const PAGE = 50;
const statusBadge = (s) => badge(String(s), s >= 200 && s < 300 ? 'good' : s === 499 ? 'warn' : 'bad');

function attemptChips(g) {
  return h('span', { class: 'chips' }, g.attempts.map((a) => h('span', { class: `chip ${a.status >= 200 && a.status < 300 ? 'good' : 'bad'}`, title: a.error ?? '' }, `${a.provider} ${a.status}`)));
}

const attemptColumns = [
  { label: '#', value: (a) => a.attempt + 1, num: true },
  { label: 'Provider', value: (a) => a.provider },
  { label: 'Upstream model', value: (a) => a.upstream_model },
  { label: 'Status', value: (a) => a.status, cell: (a) => statusBadge(a.status) },
  { label: 'Latency', value: (a) => a.latency_ms, cell: (a) => ms(a.latency_ms), num: true },
  { label: 'Error', value: (a) => a.error ?? '', cell: (a) => (a.error_kind ? stack(a.error_kind, a.error) : '–'), wrap: true },
];

function detail(g) {
  const facts = [['Generation', g.generation_id], ['API', g.api], ['Finish', g.finish_reason || '–'], ['Streamed', g.streamed ? 'yes' : 'no'],
    ['Cached / reasoning tokens', `${int(g.cached_tokens)} / ${int(g.reasoning_tokens)}`], ['Generation time', ms(g.generation_ms)]];
  if (g.cancelled) facts.push(['Cancelled', 'by the client']);
  if (g.insured) facts.push(['Insured', `waived ${usd(g.waived_usd)}`]);
  if (g.error) facts.push(['Error', g.error]);
  return h('div', { class: 'detail-body' }, h('dl', {}, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    h('h4', {}, `Attempts (${g.attempts.length})`), dataTable(attemptColumns, g.attempts, { empty: 'No attempt was made.' }).el);
}

function columns(names) {
  return [
    { label: 'Time (UTC)', value: (g) => time(g.created_at) },
    { label: 'Model', value: (g) => g.model, cell: (g) => stack(g.model, g.upstream_model !== g.model ? g.upstream_model : null) },
    { label: 'Provider', value: (g) => g.provider || '–' },
    { label: 'App', value: (g) => g.app || '–' },
    { label: 'Key', value: (g) => names.get(g.key_hash) ?? shortHash(g.key_hash) },
    { label: 'Status', value: (g) => g.status, cell: (g) => statusBadge(g.status) },
    { label: 'Tokens in → out', value: (g) => `${int(g.prompt_tokens)} → ${int(g.completion_tokens)}`, num: true },
    { label: 'Cost', value: (g) => usd(g.cost_usd), num: true },
    { label: 'Latency', value: (g) => ms(g.latency_ms), num: true },
    { label: 'Total', value: (g) => ms(g.total_ms), num: true },
    { label: 'Attempts', value: (g) => g.attempts.length, cell: attemptChips },
  ];
}

async function fetchPage(cursor) {
  const { body, headers } = await getJson(`/api/v1/admin/generations${query({ order: 'desc', limit: PAGE, cursor, format: 'json' })}`);
  return { rows: body.data, next: headers.get('X-Next-Cursor') };
}

export async function render(ctx) {
  const names = await keyNames();
  const table = await pagedTable(columns(names), fetchPage, { empty: 'No generations recorded yet.', detail, onError: ctx.fail });
  ctx.setExport(table.rows.length ? async () => {
    const cursor = table.rows[0].id + 1;
    const text = await getText(`/api/v1/admin/generations${query({ order: 'desc', cursor, limit: table.rows.length, format: 'csv' })}`);
    return { filename: `switchyard-generations-${table.rows[0].created_at.slice(0, 10)}.csv`, text };
  } : null);
  ctx.main.append(h('section', { class: 'card', id: 'generations-table' }, table.el));
}
