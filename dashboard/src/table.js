// Tables of API rows. A page describes its columns once, and that one list draws the table
// and writes the view's CSV, so the export always matches what is on screen.
//   column: {label, csv (header name), value: row => raw value (for CSV and sorting),
//            cell: row => what to show (default: value), num: right-aligned figures,
//            wrap: long text that may break over lines (cells stay on one line otherwise)}
import { h } from './dom.js';

const cellClass = (c) => [c.num && 'num', c.wrap && 'wrap'].filter(Boolean).join(' ');

function headerRow(columns, expandable) {
  return h('tr', {}, expandable && h('th', { class: 'toggle-col' }), columns.map((c) => h('th', { class: cellClass(c) }, c.label)));
}

function bodyRows(columns, row, detail) {
  const cells = columns.map((c) => h('td', { class: cellClass(c) }, (c.cell ?? c.value)(row)));
  if (!detail) return [h('tr', {}, cells)];
  const extra = h('tr', { class: 'detail', hidden: true }, h('td', { colspan: columns.length + 1 }, detail(row)));
  const button = h('button', { class: 'toggle', type: 'button', 'aria-expanded': 'false', 'aria-label': 'Show details' }, '▸');
  button.addEventListener('click', () => {
    extra.hidden = !extra.hidden;
    button.setAttribute('aria-expanded', String(!extra.hidden));
    button.textContent = extra.hidden ? '▸' : '▾';
  });
  return [h('tr', { class: 'expandable' }, h('td', { class: 'toggle-col' }, button), cells), extra];
}

// options: {empty: text when there are no rows, detail: row => Node shown on expanding}
export function dataTable(columns, rows, options = {}) {
  const body = h('tbody');
  const table = h('table', { class: 'data' }, h('thead', {}, headerRow(columns, !!options.detail)), body);
  const addRows = (more) => body.append(...more.flatMap((r) => bodyRows(columns, r, options.detail)));
  addRows(rows);
  const wrap = h('div', { class: 'table-wrap' }, table);
  if (!rows.length) wrap.append(h('p', { class: 'empty' }, options.empty ?? 'Nothing to show yet.'));
  return { el: wrap, addRows };
}

// Small reusable cells.
export const badge = (text, tone) => h('span', { class: `badge ${tone}` }, text);
export const stack = (main, sub) => h('div', { class: 'stack' }, h('span', {}, main), sub && h('small', {}, sub));

// A horizontal bar filled to `fraction` (0..1). The width is set through the CSSOM, which the
// page's Content-Security-Policy allows (style attributes in markup it would refuse).
export function meter(fraction, tone = '') {
  const fill = h('i');
  fill.style.width = `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
  return h('span', { class: `meter ${tone}` }, fill);
}
