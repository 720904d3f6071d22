// Audit log: every admin change (keys, prices), newest first, 100 a page.
import { getJson, query } from '../api.js';
import { toCsv } from '../csv.js';
import { h } from '../dom.js';
import { shortHash, time } from '../format.js';
import { pagedTable } from '../pager.js';

const PAGE = 100;

export const columns = [
  { label: 'Time (UTC)', csv: 'created_at', value: (a) => a.created_at, cell: (a) => time(a.created_at) },
  { label: 'Actor', csv: 'actor', value: (a) => a.actor },
  { label: 'Action', csv: 'action', value: (a) => a.action, cell: (a) => h('code', {}, a.action) },
  { label: 'Target', csv: 'target', value: (a) => a.target, cell: (a) => h('code', { title: a.target }, /^[0-9a-f]{64}$/.test(a.target) ? shortHash(a.target) : a.target) },
  { label: 'Details', csv: 'details', value: (a) => a.details, cell: (a) => h('code', { class: 'json' }, JSON.stringify(a.details)), wrap: true },
];

async function fetchPage(offset) {
  const { body } = await getJson(`/api/v1/admin/audit${query({ offset: offset ?? 0, limit: PAGE })}`);
  return { rows: body.data, next: body.data.length < PAGE ? null : (offset ?? 0) + PAGE };
}

export async function render(ctx) {
  const table = await pagedTable(columns, fetchPage, { empty: 'No admin changes yet.', onError: ctx.fail });
  ctx.setExport(() => ({ filename: 'switchyard-audit.csv', text: toCsv(columns, table.rows) }));
  ctx.main.append(h('section', { class: 'card', id: 'audit-table' }, table.el));
}
