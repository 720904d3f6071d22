// End to end: the real `switchyard serve` binary driven by the official Anthropic SDK
// (@anthropic-ai/sdk) through POST /v1/messages, with any model behind it: a mock
// OpenAI-compatible upstream on 127.0.0.1:0 (node's http) that answers tool calls when
// asked, and the local engine on a random-weight demo model (so: shapes and usage, not text).
// The ledger is checked in the SQLite file after SIGTERM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';

const binary = process.env.SWITCHYARD_BINARY || resolve('build/switchyard');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-anthropic-e2e-'));
const dbPath = join(dir, 'ledger.db');
const REMOTE = 'remote/tool-model';
const LOCAL = 'switchyard/demo-mixtral';
let upstream, server, baseURL, key;
const upstreamRequests = [];

// The mock's answer to one OpenAI request: a tool call when tools are offered and the user
// spoke last, the tool's result read back when a tool spoke last, else a greeting.
function answerFor(body) {
  const last = body.messages.at(-1);
  if (last.role === 'tool') return { content: `The tool said: ${last.content}`, finish: 'stop' };
  if (body.tools?.length) {
    return { content: 'Let me check.', finish: 'tool_calls',
             toolCall: { id: 'call_w1', name: body.tools[0].function.name, arguments: '{"city":"Paris"}' } };
  }
  return { content: 'Hello from upstream', finish: 'stop' };
}

function writePlain(res, body, a) {
  const message = { role: 'assistant', content: a.content };
  if (a.toolCall) {
    message.tool_calls = [{ id: a.toolCall.id, type: 'function',
                            function: { name: a.toolCall.name, arguments: a.toolCall.arguments } }];
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({
    id: 'up-1', object: 'chat.completion', model: body.model,
    choices: [{ index: 0, message, finish_reason: a.finish }],
    usage: { prompt_tokens: 21, completion_tokens: 6, total_tokens: 27, prompt_tokens_details: { cached_tokens: 5 } },
  }));
}

function writeStream(res, body, a) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream' });
  const base = { id: 'up-2', object: 'chat.completion.chunk', model: body.model };
  const delta = (d, finish = null) => ({ ...base, choices: [{ index: 0, delta: d, finish_reason: finish }] });
  const chunks = [delta({ role: 'assistant', content: '' })];
  for (const piece of a.content.match(/.{1,6}/g)) chunks.push(delta({ content: piece }));
  if (a.toolCall) {
    chunks.push(delta({ tool_calls: [{ index: 0, id: a.toolCall.id, type: 'function',
                                       function: { name: a.toolCall.name, arguments: '' } }] }));
    for (const piece of ['{"city"', ':"Par', 'is"}'])
      chunks.push(delta({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
  }
  chunks.push(delta({}, a.finish));
  chunks.push({ ...base, choices: [], usage: { prompt_tokens: 17, completion_tokens: 8, total_tokens: 25 } });
  for (const c of chunks) res.write(`data: ${JSON.stringify(c)}\n\n`);
  res.end('data: [DONE]\n\n');
}

function startUpstream() {
  upstream = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw);
      upstreamRequests.push(body);
      const a = answerFor(body);
      if (body.stream) writeStream(res, body, a);
      else writePlain(res, body, a);
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

const client = (options = {}) => new Anthropic({ apiKey: key, baseURL, maxRetries: 0, ...options });
const weatherTool = {
  name: 'get_weather', description: 'The weather in a city now',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

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
  - id: ${REMOTE}
    context_length: 65536
    endpoints:
      - { provider: mockup, model: Tool-Model-Upstream, pricing: { prompt: 1, completion: 2 } }
  - id: ${LOCAL}
    context_length: 1024
    endpoints:
      - { provider: local, model: demo-mixtral, pricing: { prompt: 0, completion: 0 } }
`);
  key = execFileSync(binary, ['keys', 'create', '--name', 'anthropic-e2e', '--db', dbPath]).toString().trim();
  baseURL = await startSwitchyard(configPath);  // the SDK adds /v1/messages itself
});

after(() => {
  server?.kill('SIGKILL');
  upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('remote: a plain message through the SDK, with the generation id and usage', async () => {
  const { data, response } = await client().messages
    .create({ model: REMOTE, max_tokens: 64, system: 'Be brief.', temperature: 0.4,
              messages: [{ role: 'user', content: 'Hi' }] })
    .withResponse();
  assert.equal(data.type, 'message');
  assert.equal(data.role, 'assistant');
  assert.equal(data.model, REMOTE);
  assert.equal(data.id, response.headers.get('x-generation-id'));
  assert.deepEqual(data.content, [{ type: 'text', text: 'Hello from upstream' }]);
  assert.equal(data.stop_reason, 'end_turn');
  assert.equal(data.stop_sequence, null);
  assert.deepEqual(data.usage, { input_tokens: 16, cache_creation_input_tokens: 0, cache_read_input_tokens: 5, output_tokens: 6 });
  const sent = upstreamRequests.at(-1);
  assert.equal(sent.model, 'Tool-Model-Upstream');
  assert.equal(sent.temperature, 0.4);
  assert.equal(sent.max_tokens, 64);
  assert.deepEqual(sent.messages[0], { role: 'system', content: 'Be brief.' });
});

test('remote: a streamed message through the SDK: text deltas, then the final usage', async () => {
  const stream = client().messages.stream({ model: REMOTE, max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] });
  let text = '';
  const types = [];
  stream.on('text', (t) => (text += t));
  stream.on('streamEvent', (e) => types.push(e.type));
  const final = await stream.finalMessage();
  assert.equal(text, 'Hello from upstream');
  assert.equal(final.content[0].text, 'Hello from upstream');
  assert.equal(final.stop_reason, 'end_turn');
  assert.equal(final.usage.input_tokens, 17);
  assert.equal(final.usage.output_tokens, 8);
  assert.equal(types[0], 'message_start');
  assert.equal(types.at(-1), 'message_stop');
  assert.ok(types.includes('content_block_delta'));
  assert.equal(upstreamRequests.at(-1).stream, true);
});

test('remote: a tool-use round trip through the SDK', async () => {
  const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
  const first = await client().messages.create({
    model: REMOTE, max_tokens: 128, tools: [weatherTool], tool_choice: { type: 'auto' }, messages,
  });
  assert.equal(first.stop_reason, 'tool_use');
  const use = first.content.find((b) => b.type === 'tool_use');
  assert.deepEqual(use, { type: 'tool_use', id: 'call_w1', name: 'get_weather', input: { city: 'Paris' } });
  const offered = upstreamRequests.at(-1);
  assert.equal(offered.tools[0].function.name, 'get_weather');
  assert.deepEqual(offered.tools[0].function.parameters, weatherTool.input_schema);
  assert.equal(offered.tool_choice, 'auto');

  messages.push({ role: 'assistant', content: first.content });
  messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18C and sunny' }] });
  const second = await client().messages.create({ model: REMOTE, max_tokens: 128, tools: [weatherTool], messages });
  assert.equal(second.stop_reason, 'end_turn');
  assert.equal(second.content[0].text, 'The tool said: 18C and sunny');
  const replayed = upstreamRequests.at(-1).messages;
  assert.deepEqual(replayed.at(-2).tool_calls,
                   [{ id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
  assert.deepEqual(replayed.at(-1), { role: 'tool', content: '18C and sunny', tool_call_id: 'call_w1' });
});

test('remote: a streamed tool call arrives as input_json_delta and parses into input', async () => {
  const stream = client().messages.stream({
    model: REMOTE, max_tokens: 128, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather?' }],
  });
  const partials = [];
  stream.on('inputJson', (partial) => partials.push(partial));
  const final = await stream.finalMessage();
  assert.equal(final.stop_reason, 'tool_use');
  assert.deepEqual(final.content.map((b) => b.type), ['text', 'tool_use']);
  assert.equal(final.content[0].text, 'Let me check.');
  assert.equal(final.content[1].id, 'call_w1');
  assert.deepEqual(final.content[1].input, { city: 'Paris' });
  assert.equal(partials.join(''), '{"city":"Paris"}');
});

test('Authorization: Bearer (the SDK authToken) is accepted too', async () => {
  const r = await new Anthropic({ authToken: key, baseURL, maxRetries: 0 }).messages.create({
    model: REMOTE, max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] });
  assert.equal(r.content[0].text, 'Hello from upstream');
});

test('a wrong key is the SDK AuthenticationError (401, authentication_error)', async () => {
  await assert.rejects(
    client({ apiKey: 'sk-sy-v1-wrong' }).messages.create({ model: REMOTE, max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof Anthropic.AuthenticationError && e.status === 401 && e.type === 'authentication_error',
  );
});

test('a bad request is the SDK BadRequestError (400, invalid_request_error) naming the field', async () => {
  await assert.rejects(
    client().messages.create({ model: REMOTE, max_tokens: 8, temperature: 1.5, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof Anthropic.BadRequestError && e.status === 400 && e.type === 'invalid_request_error' &&
      /temperature must be a number in \[0, 1\], got 1.5/.test(e.message),
  );
  await assert.rejects(
    client().messages.create({ model: REMOTE, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof Anthropic.BadRequestError && /max_tokens/.test(e.message),
  );
});

test('an unknown model is the SDK NotFoundError (404, not_found_error)', async () => {
  await assert.rejects(
    client().messages.create({ model: 'no/such-model', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof Anthropic.NotFoundError && e.type === 'not_found_error',
  );
});

test('count_tokens: exact on the local engine, a clear 400 where the tokenizer is unknown', async () => {
  const counted = await client().messages.countTokens({ model: LOCAL, messages: [{ role: 'user', content: 'Hello there' }] });
  assert.ok(Number.isInteger(counted.input_tokens) && counted.input_tokens > 3, JSON.stringify(counted));
  await assert.rejects(
    client().messages.countTokens({ model: REMOTE, messages: [{ role: 'user', content: 'Hello there' }] }),
    (e) => e instanceof Anthropic.BadRequestError && /Token counting is not available/.test(e.message),
  );
});

test('local engine: plain and streamed messages with the engine\'s own token counts', async () => {
  const params = { model: LOCAL, max_tokens: 8, temperature: 0, messages: [{ role: 'user', content: 'Hello there' }] };
  const { input_tokens: exact } = await client().messages.countTokens({ model: LOCAL, messages: params.messages });
  const plain = await client().messages.create(params);
  assert.equal(plain.type, 'message');
  assert.equal(plain.model, LOCAL);
  assert.ok(['end_turn', 'max_tokens'].includes(plain.stop_reason));
  assert.ok(plain.content.every((b) => b.type === 'text'));
  assert.equal(plain.usage.input_tokens, exact);
  assert.ok(plain.usage.output_tokens >= 1 && plain.usage.output_tokens <= 8);

  const stream = client().messages.stream(params);
  let text = '';
  stream.on('text', (t) => (text += t));
  const final = await stream.finalMessage();
  assert.equal(final.usage.input_tokens, exact);
  assert.equal(final.usage.output_tokens, plain.usage.output_tokens, 'greedy decoding is deterministic');
  assert.equal(text, plain.content.map((b) => b.text).join(''), 'streamed text equals the plain answer');
});

test('SIGTERM flushes the ledger: one row per message, api messages, count_tokens free', async () => {
  server.removeAllListeners('exit');  // the start-up 'exited early' handler
  const exited = new Promise((ok) => server.once('exit', ok));
  server.kill('SIGTERM');
  await exited;
  server = null;
  const rows = execFileSync('sqlite3', [dbPath, 'SELECT api, status, streamed, provider FROM usage ORDER BY created, rowid'])
    .toString().trim().split('\n');
  // plain, streamed, tool use x2, streamed tool, bearer; the two 400s; the 404; local plain and
  // streamed. The 401 has no key to bill; count_tokens is never a row.
  assert.deepEqual(rows, [
    'messages|200|0|mockup', 'messages|200|1|mockup', 'messages|200|0|mockup', 'messages|200|0|mockup',
    'messages|200|1|mockup', 'messages|200|0|mockup', 'messages|400|0|', 'messages|400|0|', 'messages|404|0|',
    'messages|200|0|local', 'messages|200|1|local',
  ]);
  const stored = execFileSync('sqlite3', [dbPath, '.dump']).toString();
  assert.ok(!stored.includes(key), 'the plaintext key must never be stored');
});
