// A table that grows a page at a time ("Load more"), for the lists that can be long:
// generations (a cursor), keys and the audit log (an offset). Only loaded rows are kept.
//   fetchPage(next) -> {rows, next}: next is null on the last page, and null is passed first.
import { h } from './dom.js';
import { dataTable } from './table.js';

export async function pagedTable(columns, fetchPage, options = {}) {
  const first = await fetchPage(null);
  const rows = [...first.rows];
  const table = dataTable(columns, first.rows, options);
  let next = first.next;
  const count = h('small', { class: 'muted' });
  const more = h('button', { type: 'button', class: 'more' }, 'Load more');
  const update = () => {
    more.hidden = next === null;
    count.textContent = `${rows.length} shown${next === null ? '' : ', more available'}`;
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const page = await fetchPage(next);
      rows.push(...page.rows);
      table.addRows(page.rows);
      next = page.next;
    } catch (e) {
      options.onError?.(e);
    } finally {
      more.disabled = false;
      update();
    }
  });
  update();
  return { el: h('div', {}, table.el, h('footer', { class: 'pager' }, count, more)), rows };
}
