// The operator dashboard in a real browser: Debian's chromium, driven by playwright-core,
// against the real binary with traffic made through it. Signs in (and is refused with a
// bad or ordinary key), visits every page, checks that the charts plot what the API says,
// that exports equal the API's CSV, and that the console stays clean. Screenshots go to
// $SWITCHYARD_SCREENSHOTS for a person to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, screenshot, watchErrors } from './support/browser.mjs';
import { api, apiText, seed } from './support/seed.mjs';
import { startSwitchyard, USAGE } from './support/switchyard.mjs';
import { usd } from '../../dashboard/src/format.js';

let s, seeded, browser, page, errors;
const requestedUrls = [];
const sum = (values) => values.reduce((a, v) => a + v, 0);
const near = (a, b) => Math.abs(a - b) < 1e-9;

before(async () => {
  s = await startSwitchyard();
  seeded = await seed(s);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  s?.stop();
});

async function freshPage() {
  const p = await browser.context.newPage();
  return { p, errs: watchErrors(p) };
}

// Only the browser's own line for the refused API call may appear when a key is refused.
const onlyRefusals = (errs) => errs.filter((e) => !/Failed to load resource: the server responded with a status of 40[13]/.test(e));

async function signIn(p, key) {
  await p.goto(`${s.url}/dashboard`);
  await p.fill('#key', key);
  await p.click('#signin button[type=submit]');
}

async function refusedWith(p, pattern) {
  const error = p.locator('#signin-error');
  await error.waitFor({ state: 'visible' });
  assert.match(await error.textContent(), pattern);
  assert.equal(await p.locator('main#page').count(), 0, 'no dashboard behind a refused key');
  assert.equal(await p.evaluate(() => sessionStorage.length), 0, 'a refused key is not kept');
}

test('a bad key is refused at sign-in with the server\'s message', async () => {
  const { p, errs } = await freshPage();
  await signIn(p, `sk-sy-v1-${'0'.repeat(64)}`);
  await refusedWith(p, /not accepted/);
  await screenshot(p, 'signin-bad-key');
  assert.deepEqual(onlyRefusals(errs), []);
  await p.close();
});

test('an ordinary API key is refused: the dashboard needs a management key', async () => {
  const { p, errs } = await freshPage();
  await signIn(p, seeded.ordinaryKey);
  await refusedWith(p, /"team-b" is an ordinary API key.*management key/);
  assert.deepEqual(onlyRefusals(errs), []);
  await p.close();
});

test('a bad key left in the session shows the sign-in with the error, not an empty page', async () => {
  const { p, errs } = await freshPage();
  await p.goto(`${s.url}/dashboard`);
  await p.evaluate(() => sessionStorage.setItem('switchyard.managementKey', 'sk-sy-v1-revoked'));
  await p.reload();
  await refusedWith(p, /not accepted/);
  assert.deepEqual(onlyRefusals(errs), []);
  await p.close();
});

test('the page\'s Content-Security-Policy refuses an inline script', async () => {
  const { p, errs } = await freshPage();
  await p.goto(`${s.url}/dashboard`);
  await p.locator('#signin').waitFor();
  await p.evaluate(() => document.body.append(Object.assign(document.createElement('script'), { textContent: 'window.injected = 1' })));
  assert.equal(await p.evaluate(() => window.injected), undefined);
  assert.equal(errs.length, 1);
  assert.match(errs[0], /Content Security Policy/);
  await p.close();
});

async function openPage(id) {
  if (!page.url().endsWith(`#/${id}`)) await page.click(`#nav-${id}`);
  await page.locator(`main#page[data-state="ready"][data-page="${id}"]`).waitFor();
}
// The rows of a page's table, not of the tables nested in its expanded details.
const bodyRows = (selector) => page.locator(`${selector} table.data > tbody > tr:not(.detail):not(.detail-body tr)`);

test('the management key signs in to the overview, whose charts plot the API\'s totals', async () => {
  ({ p: page, errs: errors } = await freshPage());
  page.on('request', (r) => requestedUrls.push(r.url()));
  await signIn(page, s.managementKey);
  await openPage('overview');
  assert.equal(await page.locator('#who').textContent(), 'ops');

  const { series } = await api(s, '/api/v1/admin/overview');
  const plotted = async (id) => JSON.parse(await page.locator(`#${id}`).getAttribute('data-plotted'));
  const requests = await plotted('chart-requests');
  assert.deepEqual(requests.labels, ['Requests', 'Errors']);
  assert.equal(sum(requests.data[1]), sum(series.map((d) => d.requests)));
  assert.equal(sum(requests.data[1]), seeded.requests);
  assert.equal(sum(requests.data[2]), sum(series.map((d) => d.errors)));
  const spend = await plotted('chart-spend');
  assert.ok(near(sum(spend.data[1]), sum(series.map((d) => d.cost_usd))));
  assert.ok(sum(spend.data[1]) > 0);
  const tokens = await plotted('chart-tokens');
  assert.equal(sum(tokens.data[1]), seeded.requests * USAGE.prompt_tokens);
  assert.equal(sum(tokens.data[2]), seeded.requests * USAGE.completion_tokens);
  assert.equal(requests.data[0].length, 30, 'one point per day of the range');
  assert.ok((await page.locator('#chart-requests canvas').boundingBox()).width > 300, 'the chart is drawn');

  assert.equal(await page.locator('#kpi-requests strong').textContent(), String(seeded.requests));
  assert.equal(await bodyRows('#top-model').count(), 2);
  assert.match(await page.locator('#top-key').textContent(), /team-a.*team-b|team-b.*team-a/s);
  assert.match(await page.locator('#top-app').textContent(), /Docs, "beta"/);
  await screenshot(page, 'overview');
});

test('providers: one row per endpoint with the API\'s circuit state and uptime', async () => {
  await openPage('providers');
  const { data } = await api(s, '/api/v1/admin/providers');
  const rows = bodyRows('#providers-table');
  assert.equal(await rows.count(), data.length);
  for (let i = 0; i < data.length; i++) {
    const text = await rows.nth(i).textContent();
    assert.ok(text.includes(data[i].model) && text.includes(data[i].provider), text);
    assert.ok(text.includes(`circuit ${data[i].circuit.replace('_', '-')}`), `${data[i].provider}: ${text}`);
  }
  const beta = data.find((e) => e.provider === 'beta');
  assert.ok(beta.uptime_last_5m < 100, 'beta failed every attempt');
  assert.match(await rows.nth(data.indexOf(beta)).textContent(), new RegExp(`${beta.uptime_last_5m.toFixed(0)}% of ${beta.requests_last_5m}`));
  await screenshot(page, 'providers');
});

test('keys: usage against the limit, reset period and rate limits', async () => {
  await openPage('keys');
  const { data } = await api(s, '/api/v1/keys?include_disabled=true');
  assert.equal(await bodyRows('#keys-table').count(), data.length);
  const teamA = page.locator('#keys-table tbody tr', { hasText: 'team-a' });
  const text = await teamA.textContent();
  const key = data.find((k) => k.name === 'team-a');
  assert.ok(key.usage > 0 && key.limit === 25);
  assert.ok(text.includes(`${usd(key.limit - key.limit_remaining)} of ${usd(key.limit)}`), text);
  assert.ok(text.includes(usd(key.usage_monthly)), text);
  assert.ok(text.includes(`${usd(key.limit_remaining)} left · resets monthly`), text);
  assert.match(text, /600 rpm\s*200,000 tpm\s*8 concurrent/);
  await screenshot(page, 'keys');
});

test('generations: newest first, a page at a time, each with the attempts the API recorded', async () => {
  await openPage('generations');
  const rows = bodyRows('#generations-table');
  assert.equal(await rows.count(), 50, 'one page');
  await page.click('#generations-table button.more');
  await page.locator('#generations-table .pager small', { hasText: `${seeded.requests} shown` }).waitFor();
  assert.ok(await page.locator('#generations-table button.more').isHidden(), 'no page after the last');
  const { data } = await api(s, `/api/v1/admin/generations?order=desc&limit=${seeded.requests}`);
  assert.equal(await rows.count(), data.length);
  assert.equal(data.length, seeded.requests);
  for (let i = 0; i < data.length; i++)
    assert.equal(await rows.nth(i).locator('.chip').count(), data[i].attempts.length, `row ${i}`);
  const failover = data.findIndex((g) => g.attempts.length > 1);
  assert.ok(failover >= 0, 'at least one request failed over from beta');
  await rows.nth(failover).locator('button.toggle').click();
  const detail = page.locator('#generations-table tr.detail:visible');
  await detail.waitFor();
  assert.equal(await detail.locator('tbody tr').count(), data[failover].attempts.length);
  assert.match(await detail.textContent(), /beta.*502.*gamma.*200/s);
  await screenshot(page, 'generations');
});

test('pricing: the price in force and, expanded, its history', async () => {
  await openPage('pricing');
  const { data } = await api(s, '/api/v1/admin/pricing');
  assert.equal(await bodyRows('#pricing-table').count(), data.length);
  const fast = data.find((e) => e.model === 'acme/fast');
  assert.equal(fast.history.length, 2);
  const row = page.locator('#pricing-table tbody tr.expandable', { hasText: 'acme/fast' });
  assert.match(await row.textContent(), /\$0\.400.*\$1\.20.*2 prices/s);
  await row.locator('button.toggle').click();
  const history = page.locator('#pricing-table tr.detail:visible');
  await history.waitFor();
  assert.equal(await history.locator('tbody tr').count(), 2);
  assert.match(await history.textContent(), /in force.*superseded|superseded.*in force/s);
  await screenshot(page, 'pricing');
});

test('audit log: every admin change', async () => {
  await openPage('audit');
  const { data } = await api(s, '/api/v1/admin/audit');
  assert.equal(await bodyRows('#audit-table').count(), data.length);
  assert.ok(data.length >= 3, 'two keys created and a price set');
  await screenshot(page, 'audit');
});

async function exported() {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  return { name: download.suggestedFilename(), text: readFileSync(await download.path(), 'utf8') };
}

test('Export CSV: the overview\'s days, the loaded generations and the providers\' table equal the API\'s', async () => {
  await openPage('overview');
  const days = await exported();
  const from = days.name.match(/(\d{4}-\d\d-\d\d)\.csv$/)[1];
  assert.equal(days.text, await apiText(s, `/api/v1/admin/usage?from=${from}T00:00:00.000Z&granularity=day&format=csv`));
  assert.match(days.text, /^period_start,requests,/);

  await openPage('generations');
  const firstPage = await exported();
  assert.equal(firstPage.text, await apiText(s, '/api/v1/admin/generations?order=desc&limit=50&format=csv'));
  await page.click('#generations-table button.more');
  await page.locator('#generations-table .pager small', { hasText: `${seeded.requests} shown` }).waitFor();
  const bothPages = await exported();
  assert.equal(bothPages.text, await apiText(s, `/api/v1/admin/generations?order=desc&limit=${seeded.requests}&format=csv`));
  assert.equal(bothPages.text.trimEnd().split('\r\n').length, 1 + seeded.requests);

  await openPage('providers');
  const providers = await exported();
  const lines = providers.text.trimEnd().split('\r\n');
  assert.match(lines[0], /^model,provider,kind,upstream_model,status,circuit,uptime_last_5m,/);
  assert.equal(lines.length, 1 + (await api(s, '/api/v1/admin/providers')).data.length);
});

test('the signed-in session logged no console error and never put the key in a URL', async () => {
  assert.deepEqual(errors, []);
  assert.ok(requestedUrls.length > 0);
  assert.deepEqual(requestedUrls.filter((u) => u.includes(s.managementKey)), []);
});

test('signing out forgets the key', async () => {
  await page.click('#sign-out');
  await page.locator('#signin').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await page.reload();
  await page.locator('#signin').waitFor();
  await screenshot(page, 'signin');
});
