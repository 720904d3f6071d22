// End to end: the real `switchyard serve` binary driven by the official OpenAI SDK, with a
// mock OpenAI-compatible upstream on 127.0.0.1:0 (node's http), then the ledger checked
// through the API and, after SIGTERM, in the SQLite file itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';

const binary = process.env.SWITCHYARD_BINARY || resolve('build/switchyard');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-e2e-'));
const dbPath = join(dir, 'ledger.db');
let upstream, server, baseURL, key, upstreamRequests = [];

function reply(res, body) {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function startUpstream() {
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const json = JSON.parse(body);
      upstreamRequests.push({ headers: req.headers, body: json });
      if (!json.stream) {
        return reply(res, {
          id: 'up-1', object: 'chat.completion', model: json.model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from upstream' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 },
        });
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write(': OPENROUTER PROCESSING\n\n');
      const base = { id: 'up-2', object: 'chat.completion.chunk', model: json.model };
      const chunks = [
        { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: { content: 'One' }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: { content: ' two' }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
        { ...base, choices: [], usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } },
      ];
      for (const c of chunks) res.write(`data: ${JSON.stringify(c)}\r\n\r\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  return new Promise((ok) => upstream.listen(0, '127.0.0.1', () => ok(upstream.address().port)));
}

function startSwitchyard(configPath) {
  return new Promise((ok, fail) => {
    server = spawn(binary, ['serve', '--config', configPath, '--port', '0', '--db', dbPath, '--quiet'], {
      env: { ...process.env, E2E_UPSTREAM_KEY: 'upstream-secret' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^listening on (http:\/\/[^\s]+)/);
      if (m) ok(m[1]);
    });
    server.on('exit', (code) => fail(new Error(`switchyard exited early with ${code}`)));
  });
}

before(async () => {
  const upstreamPort = await startUpstream();
  const configPath = join(dir, 'config.yaml');
  const modelPath = join(dir, 'demo.gguf');
  execFileSync(binary, ['make-demo-model', '--out', modelPath]);
  writeFileSync(configPath, `
providers:
  - { name: local, kind: local, model_path: ${modelPath}, threads: 2, context_length: 1024, chat_template: vicuna }
  - name: mockup
    kind: openai
    base_url: http://127.0.0.1:${upstreamPort}/v1
    api_key_env: E2E_UPSTREAM_KEY
models:
  - id: microsoft/wizardlm-2-8x22b
    context_length: 65536
    endpoints:
      - { provider: mockup, model: microsoft/WizardLM-2-8x22B, pricing: { prompt: 0.65, completion: 0.65 } }
  - id: switchyard/demo-mixtral
    context_length: 1024
    endpoints:
      - { provider: local, model: demo-mixtral, pricing: { prompt: 0, completion: 0 } }
`);
  key = execFileSync(binary, ['keys', 'create', '--name', 'e2e', '--db', dbPath]).toString().trim();
  assert.match(key, /^sk-sy-v1-[0-9a-f]{64}$/);
  baseURL = (await startSwitchyard(configPath)) + '/v1';
});

after(() => {
  server?.kill('SIGKILL');
  upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a plain completion through the SDK, billed to the key', async () => {
  const client = new OpenAI({ apiKey: key, baseURL });
  const { data, response } = await client.chat.completions
    .create({ model: 'microsoft/wizardlm-2-8x22b', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.3 })
    .withResponse();
  assert.equal(data.choices[0].message.content, 'Hello from upstream');
  assert.equal(data.model, 'microsoft/wizardlm-2-8x22b');
  assert.equal(data.usage.total_tokens, 16);
  assert.equal(data.usage.cost, 16 * 0.65e-6);
  const gen = response.headers.get('x-generation-id');
  assert.equal(data.id, gen);
  const sent = upstreamRequests.at(-1);
  assert.equal(sent.headers.authorization, 'Bearer upstream-secret');
  assert.equal(sent.body.model, 'microsoft/WizardLM-2-8x22B');
  assert.equal(sent.body.temperature, 0.3);

  const r = await fetch(`${baseURL.replace('/v1', '')}/api/v1/generation?id=${gen}`, {
    headers: { Authorization: `Bearer ${key}` },
  });
  assert.equal(r.status, 200);
  const row = (await r.json()).data;
  assert.equal(row.tokens_prompt, 12);
  assert.equal(row.tokens_completion, 4);
  assert.equal(row.provider_name, 'mockup');
  assert.equal(row.streamed, false);
});

test('a streamed completion through the SDK ends with usage', async () => {
  const client = new OpenAI({ apiKey: key, baseURL });
  const stream = await client.chat.completions.create({
    model: 'microsoft/wizardlm-2-8x22b',
    messages: [{ role: 'user', content: 'Count' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '', usage = null, finish = null;
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta?.content) text += chunk.choices[0].delta.content;
    if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, 'One two');
  assert.equal(finish, 'stop');
  assert.equal(usage.prompt_tokens, 9);
  assert.equal(usage.completion_tokens, 2);
  assert.ok(Math.abs(usage.cost - 11 * 0.65e-6) < 1e-15);
});

test('a wrong key surfaces as the SDK AuthenticationError (401)', async () => {
  const client = new OpenAI({ apiKey: 'sk-sy-v1-wrong', baseURL, maxRetries: 0 });
  await assert.rejects(
    client.chat.completions.create({ model: 'microsoft/wizardlm-2-8x22b', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.AuthenticationError && e.status === 401,
  );
});

test('an out-of-range parameter surfaces as the SDK BadRequestError (400) naming it', async () => {
  const client = new OpenAI({ apiKey: key, baseURL, maxRetries: 0 });
  await assert.rejects(
    client.chat.completions.create({
      model: 'microsoft/wizardlm-2-8x22b', messages: [{ role: 'user', content: 'x' }], top_p: 1.5,
    }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && /top_p/.test(e.message),
  );
});

test('the models list is readable by the SDK', async () => {
  const client = new OpenAI({ apiKey: key, baseURL });
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.deepEqual(ids, ['microsoft/wizardlm-2-8x22b', 'switchyard/demo-mixtral']);
});

test('the local MoE engine answers through the SDK, plain and streamed, with its own token counts', async () => {
  const client = new OpenAI({ apiKey: key, baseURL });
  const r = await client.chat.completions.create({
    model: 'switchyard/demo-mixtral', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 8, temperature: 0,
  });
  assert.equal(r.provider, 'local');
  assert.ok(r.usage.prompt_tokens > 3);
  assert.ok(r.usage.completion_tokens >= 1 && r.usage.completion_tokens <= 8);
  assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
  const again = await client.chat.completions.create({
    model: 'switchyard/demo-mixtral', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 8, temperature: 0,
  });
  assert.equal(again.choices[0].message.content, r.choices[0].message.content, 'greedy decoding is deterministic');

  const stream = await client.chat.completions.create({
    model: 'switchyard/demo-mixtral', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 8,
    temperature: 0, stream: true,
  });
  let text = '';
  let usage = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, r.choices[0].message.content, 'streamed text equals the plain answer');
  assert.equal(usage.completion_tokens, r.usage.completion_tokens);
});

test('SIGTERM flushes the ledger: every request is in the SQLite file', async () => {
  server.removeAllListeners('exit');  // the start-up 'exited early' handler
  const exited = new Promise((ok) => server.once('exit', ok));
  server.kill('SIGTERM');
  await exited;
  server = null;
  const rows = execFileSync('sqlite3', [dbPath, "SELECT status, streamed, prompt_tokens, completion_tokens, cost_pico FROM usage WHERE provider != 'local' ORDER BY created, rowid"])
    .toString().trim().split('\n');
  // plain 200, streamed 200, 400 (bad top_p, billed zero); the 401 has no key to bill.
  assert.deepEqual(rows, ['200|0|12|4|10400000', '200|1|9|2|7150000', '400|0|0|0|0']);
  const local = execFileSync('sqlite3', [dbPath, "SELECT count(*) FROM usage WHERE provider = 'local' AND status = 200"]).toString().trim();
  assert.equal(local, '3');
  const stored = execFileSync('sqlite3', [dbPath, '.dump']).toString();
  assert.ok(!stored.includes(key), 'the plaintext key must never be stored');
  assert.ok(!stored.includes('upstream-secret'), 'provider secrets must never be stored');
});

test('switchyard demo: a new user gets an answer from the local engine with no provider key', async () => {
  const demoDir = mkdtempSync(join(tmpdir(), 'switchyard-demo-'));
  const config = join(demoDir, 'config.yaml');
  writeFileSync(config, `
database: { path: ${join(demoDir, 'demo.db')} }
providers:
  - { name: local, kind: local, model_path: ${join(demoDir, 'models', 'demo.gguf')}, context_length: 512 }
  - { name: deepinfra, kind: openai, base_url: https://api.deepinfra.com/v1/openai, api_key_env: SWITCHYARD_E2E_UNSET_KEY }
models:
  - id: switchyard/demo-mixtral
    context_length: 512
    endpoints: [{ provider: local, model: demo-mixtral, pricing: { prompt: 0, completion: 0 } }]
`);
  const demo = spawn(binary, ['demo', '--config', config, '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  demo.stderr.on('data', (d) => (err += d));
  try {
    const { url, demoKey } = await new Promise((ok, fail) => {
      let out = '';
      demo.stdout.on('data', (d) => {
        out += d;
        const lines = out.split('\n');
        const m = lines[0].match(/^listening on (http:\/\/\S+)$/);
        const k = out.match(/demo API key: (sk-sy-v1-[0-9a-f]{64})/);
        if (m && k) ok({ url: m[1], demoKey: k[1] });
      });
      demo.on('exit', (code) => fail(new Error(`demo exited with ${code}: ${err}`)));
    });
    assert.match(err, /provider 'deepinfra' skipped: environment variable SWITCHYARD_E2E_UNSET_KEY is not set/);
    const client = new OpenAI({ apiKey: demoKey, baseURL: url + '/v1' });
    const r = await client.chat.completions.create({
      model: 'switchyard/demo-mixtral', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 5 });
    assert.equal(r.provider, 'local');
    assert.ok(r.usage.completion_tokens >= 1);
  } finally {
    demo.kill('SIGTERM');
    rmSync(demoDir, { recursive: true, force: true });
  }
});

