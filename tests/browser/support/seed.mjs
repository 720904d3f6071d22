// Traffic for the dashboard to show, made through the running binary so the ledger writer
// records rows, attempts and rollups as in production. Returns what was sent, to check
// the dashboard's figures against.
const json = (body) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

async function call(url, key, path, init = {}) {
  const res = await fetch(url + path, { ...init, headers: { ...init.headers, Authorization: `Bearer ${key}` } });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function createKey(s, fields) {
  return (await call(s.url, s.managementKey, '/api/v1/keys', json(fields))).key;
}

async function complete(s, key, model, app, provider) {
  const req = json({ model, messages: [{ role: 'user', content: 'hi' }], ...(provider && { provider }) });
  req.headers['X-Title'] = app;
  return call(s.url, key, '/api/v1/chat/completions', req);
}

// Two keys (one with a limit and rate limits), two apps, failovers, a price change, and more
// generations than the dashboard shows on one page (50).
export async function seed(s) {
  const teamA = await createKey(s, { name: 'team-a', limit: 25, limit_reset: 'monthly', rpm: 600, tpm: 200000, max_concurrent: 8 });
  const teamB = await createKey(s, { name: 'team-b' });
  const plan = [
    ...Array(48).fill([teamA, 'acme/fast', 'Acme Chat']),
    ...Array(4).fill([teamB, 'acme/smart', 'Docs, "beta"', { order: ['beta', 'gamma'] }]),
  ];
  for (const [key, model, app, provider] of plan) await complete(s, key, model, app, provider);
  await call(s.url, s.managementKey, '/api/v1/admin/pricing', json({ model: 'acme/fast', provider: 'alpha', prompt: 0.4, completion: 1.2 }));
  return { ordinaryKey: teamB, requests: plan.length, failovers: 4 };
}

// GET an admin API as the dashboard does, for the figures it must match.
export const api = (s, path) => call(s.url, s.managementKey, path);
export async function apiText(s, path) {
  const res = await fetch(s.url + path, { headers: { Authorization: `Bearer ${s.managementKey}` } });
  return res.text();
}
