// The signed-in frame: navigation, the page header with its Export CSV and Refresh buttons,
// and the hash router (#/page?param=value) that renders one page at a time. A page's render
// fills ctx.main and ctx.toolbar and may register its CSV export; <main data-state> says
// loading, ready or error, which is what the browser tests wait on.
import { download } from './csv.js';
import { clear, h } from './dom.js';
import { pageById, pages } from './pages/index.js';

function parseHash() {
  const [path, search] = location.hash.replace(/^#\/?/, '').split('?');
  return { id: path || 'overview', params: new URLSearchParams(search ?? '') };
}

function errorPanel(e) {
  return h('div', { class: 'card error-panel', role: 'alert' }, h('strong', {}, 'This page could not be loaded'), h('p', {}, e.message));
}

export function shellView({ who, onSignOut, onAuthError }) {
  const nav = h('nav', {}, pages.map((p) => h('a', { href: `#/${p.id}`, id: `nav-${p.id}`, dataset: { page: p.id } }, p.title)));
  const title = h('h1');
  const blurb = h('p', { class: 'blurb' });
  const toolbar = h('div', { class: 'toolbar' });
  const exportButton = h('button', { type: 'button', id: 'export-csv', disabled: true }, 'Export CSV');
  const refresh = h('button', { type: 'button', id: 'refresh' }, 'Refresh');
  const banner = h('div', { class: 'banner', role: 'alert', hidden: true });
  const main = h('main', { id: 'page', dataset: { state: 'loading' } });
  let exporter = null;
  let generation = 0;

  const fail = (e) => {
    if (e.isAuth) return onAuthError(e.message);
    banner.textContent = e.message;
    banner.hidden = false;
  };

  async function render() {
    const mine = ++generation;
    const { id, params } = parseHash();
    const page = pageById(id);
    for (const a of nav.children) a.classList.toggle('active', a.dataset.page === page.id);
    title.textContent = page.title;
    blurb.textContent = page.blurb;
    document.title = `${page.title} · Switchyard`;
    clear(toolbar);
    clear(main).dataset.state = 'loading';
    main.dataset.page = page.id;
    banner.hidden = true;
    exporter = null;
    exportButton.disabled = true;
    // The page body is in the document while it renders: charts measure their width.
    const loading = h('p', { class: 'loading' }, 'Loading…');
    const target = h('div', { class: 'page-body' });
    main.append(loading, target);
    const ctx = {
      main: target, toolbar, params, fail,
      setExport: (fn) => { if (mine === generation) { exporter = fn; exportButton.disabled = !fn; } },
      navigate: (p) => { location.hash = `#/${page.id}?${new URLSearchParams(p)}`; },
    };
    try {
      await page.module.render(ctx);
      if (mine !== generation) return;
      loading.remove();
      main.dataset.state = 'ready';
    } catch (e) {
      if (mine !== generation) return;
      if (e.isAuth) return onAuthError(e.message);
      clear(main).append(errorPanel(e));
      main.dataset.state = 'error';
    }
  }

  exportButton.addEventListener('click', async () => {
    exportButton.disabled = true;
    try {
      const { filename, text } = await exporter();
      download(filename, text);
    } catch (e) {
      fail(e);
    } finally {
      exportButton.disabled = !exporter;
    }
  });
  refresh.addEventListener('click', render);
  window.addEventListener('hashchange', render);

  const signOut = h('button', { type: 'button', id: 'sign-out', class: 'link' }, 'Sign out');
  signOut.addEventListener('click', onSignOut);
  const side = h('aside', {},
    h('div', { class: 'brand' }, h('span', { class: 'logo' }), h('div', {}, h('strong', {}, 'Switchyard'), h('small', {}, 'Operator console'))),
    nav, h('div', { class: 'who' }, h('small', {}, 'Signed in with'), h('span', { id: 'who' }, who), signOut));
  const header = h('header', { class: 'page-header' }, h('div', {}, title, blurb), h('div', { class: 'actions' }, toolbar, refresh, exportButton));
  const el = h('div', { class: 'shell' }, side, h('div', { class: 'content' }, header, banner, main));
  return { el, render, stop: () => window.removeEventListener('hashchange', render) };
}
