// Overview: spend, requests and tokens per UTC day and the biggest models, providers, keys
// and apps, all from one /api/v1/admin/overview call (the rollups). Export: the same days
// as CSV from /api/v1/admin/usage.
import { getJson, getText, query } from '../api.js';
import { chartCard, timeChart } from '../chart.js';
import { h } from '../dom.js';
import { int, pct, short, shortHash, usd, usdShort } from '../format.js';
import { keyNames } from '../keys_lookup.js';
import { dataTable, meter, stack } from '../table.js';

const DAY_MS = 86_400_000;
const RANGES = [7, 30, 90];

// [from, today's start]: whole UTC days, so each point is one full rollup day.
function range(days) {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  return { from: today - (days - 1) * DAY_MS, today };
}

// One value per day of the range, zero where the ledger has nothing.
function dailyValues(series, from, today, field) {
  const byDate = new Map(series.map((d) => [d.date, d[field]]));
  const values = [];
  for (let t = from; t <= today; t += DAY_MS) values.push(byDate.get(new Date(t).toISOString().slice(0, 10)) ?? 0);
  return values;
}

const sum = (rows, field) => rows.reduce((a, r) => a + r[field], 0);

function kpis(series) {
  const requests = sum(series, 'requests');
  const errors = sum(series, 'errors');
  const tiles = [
    ['Spend', usd(sum(series, 'cost_usd')), 'kpi-spend'],
    ['Requests', int(requests), 'kpi-requests'],
    ['Tokens', short(sum(series, 'prompt_tokens') + sum(series, 'completion_tokens')), 'kpi-tokens'],
    ['Error rate', requests ? pct((100 * errors) / requests) : '–', 'kpi-errors'],
  ];
  return h('div', { class: 'kpis' }, tiles.map(([label, value, id]) =>
    h('div', { class: 'card kpi', id }, h('small', {}, label), h('strong', {}, value))));
}

function charts(grid, series, from, today) {
  const x = [];
  for (let t = from; t <= today; t += DAY_MS) x.push(t / 1000);
  const values = (field) => dailyValues(series, from, today, field);
  const specs = [
    ['chart-spend', 'Spend per day', 'USD', [{ label: 'Spend', values: values('cost_usd'), color: '#4f46e5', kind: 'bars', format: usd }], usdShort],
    ['chart-requests', 'Requests per day', 'all requests and errors', [
      { label: 'Requests', values: values('requests'), color: '#0d9488', kind: 'bars', format: int },
      { label: 'Errors', values: values('errors'), color: '#dc2626', kind: 'line', format: int }], short],
    ['chart-tokens', 'Tokens per day', 'prompt and completion', [
      { label: 'Prompt', values: values('prompt_tokens'), color: '#6366f1', kind: 'line', format: int },
      { label: 'Completion', values: values('completion_tokens'), color: '#f59e0b', kind: 'line', format: int }], short],
  ];
  for (const [id, title, subtitle, s, yFormat] of specs) {
    const card = chartCard(id, title, subtitle);
    grid.append(card.el);
    timeChart(card.holder, { x, series: s, yFormat, pad: DAY_MS / 2000 });
  }
}

function topTable(title, id, rows, name) {
  const most = Math.max(...rows.map((r) => r.cost_usd), 0);
  const columns = [
    { label: 'Name', value: (r) => r.name, cell: (r) => stack(name(r.name) || '(none)', meter(most ? r.cost_usd / most : 0)) },
    { label: 'Requests', value: (r) => r.requests, cell: (r) => int(r.requests), num: true },
    { label: 'Tokens', value: (r) => r.tokens, cell: (r) => short(r.tokens), num: true },
    { label: 'Cost', value: (r) => r.cost_usd, cell: (r) => usd(r.cost_usd), num: true },
  ];
  return h('section', { class: 'card', id }, h('header', {}, h('h3', {}, title)), dataTable(columns, rows, { empty: 'No traffic in this range.' }).el);
}

function rangePicker(ctx, days) {
  return h('div', { class: 'segmented', role: 'group', 'aria-label': 'Range' }, RANGES.map((d) =>
    h('button', { type: 'button', class: d === days ? 'active' : '', onclick: () => ctx.navigate({ days: d }) }, `${d} days`)));
}

export async function render(ctx) {
  const days = RANGES.includes(Number(ctx.params.get('days'))) ? Number(ctx.params.get('days')) : 30;
  const { from, today } = range(days);
  const params = { from: new Date(from).toISOString() };
  const [{ body }, names] = await Promise.all([getJson(`/api/v1/admin/overview${query(params)}`), keyNames()]);
  ctx.toolbar.append(rangePicker(ctx, days));
  ctx.setExport(async () => ({
    filename: `switchyard-usage-daily-${params.from.slice(0, 10)}.csv`,
    text: await getText(`/api/v1/admin/usage${query({ ...params, granularity: 'day', format: 'csv' })}`),
  }));
  const chartGrid = h('div', { class: 'grid charts' });
  const plain = (n) => n;
  // A hash the key list does not hold belongs to a deleted key: shortened, not a 64-digit line.
  const keyName = (hash) => (names.get(hash) ? `${names.get(hash)} (${hash.slice(0, 8)})` : `deleted key ${shortHash(hash)}`);
  ctx.main.append(kpis(body.series), chartGrid, h('div', { class: 'grid tops' },
    topTable('Top models', 'top-model', body.top.model, plain),
    topTable('Top providers', 'top-provider', body.top.provider, plain),
    topTable('Top keys', 'top-key', body.top.key, keyName),
    topTable('Top apps', 'top-app', body.top.app, plain)));
  charts(chartGrid, body.series, from, today);
}
