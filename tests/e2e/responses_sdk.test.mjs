// End to end: the real `switchyard serve` binary behind POST /v1/responses, driven by the
// official OpenAI SDK's client.responses: a function-tool round trip, plain and streamed,
// against a node mock of an OpenAI-compatible chat upstream (which calls the tool when
// tools are sent and answers once it has the tool's output) and against the local engine
// (the demo model has random weights: shapes and usage are asserted, not text). Errors
// arrive as the SDK's typed errors; the ledger is read from the SQLite file at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';

const binary = process.env.SWITCHYARD_BINARY || resolve('build/switchyard');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-responses-e2e-'));
const dbPath = join(dir, 'ledger.db');
const remoteModel = 'acme/chat';
const localModel = 'switchyard/demo-mixtral';
let upstream, server, baseURL, key;
const upstreamRequests = [];

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'The weather in a city now',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: true,
};

// What the mock upstream answers: a tool call while tools are offered and no tool output
// came back yet, else a sentence quoting the tool output.
function upstreamAnswer(json) {
  const toolMessage = json.messages.find((m) => m.role === 'tool');
  if (json.tools && !toolMessage)
    return { toolCall: { id: 'call_up_1', name: json.tools[0].function.name, arguments: '{"city":"Oslo"}' } };
  return { text: toolMessage ? `The tool said: ${toolMessage.content}` : 'Hello from upstream' };
}

function writeStream(res, json, answer) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream' });
  const base = { id: 'up-s', object: 'chat.completion.chunk', model: json.model };
  const chunk = (delta, finish_reason = null) => ({ ...base, choices: [{ index: 0, delta, finish_reason }] });
  const chunks = [chunk({ role: 'assistant', content: '' })];
  if (answer.toolCall) {
    const { id, name } = answer.toolCall;
    chunks.push(chunk({ tool_calls: [{ index: 0, id, type: 'function', function: { name, arguments: '' } }] }));
    chunks.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }));
    chunks.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }));
    chunks.push(chunk({}, 'tool_calls'));
  } else {
    for (const word of answer.text.split(/(?= )/)) chunks.push(chunk({ content: word }));
    chunks.push(chunk({}, 'stop'));
  }
  chunks.push({ ...base, choices: [], usage: { prompt_tokens: 21, completion_tokens: 7, total_tokens: 28 } });
  for (const c of chunks) res.write(`data: ${JSON.stringify(c)}\n\n`);
  res.end('data: [DONE]\n\n');
}

// One delta, then the connection drops without the end of the stream.
function cutStream(res, json) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream' });
  const chunk = { id: 'up-c', object: 'chat.completion.chunk', model: json.model,
    choices: [{ index: 0, delta: { role: 'assistant', content: 'Half a' }, finish_reason: null }] };
  res.write(`data: ${JSON.stringify(chunk)}\n\n`, () => res.destroy());
}

function startUpstream() {
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const json = JSON.parse(body);
      upstreamRequests.push(json);
      if (json.messages.at(-1).content === 'cut the stream') return cutStream(res, json);
      const answer = upstreamAnswer(json);
      if (json.stream) return writeStream(res, json, answer);
      const message = answer.toolCall
        ? { role: 'assistant', content: null, tool_calls: [{ id: answer.toolCall.id, type: 'function',
            function: { name: answer.toolCall.name, arguments: answer.toolCall.arguments } }] }
        : { role: 'assistant', content: answer.text };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({
        id: 'up-1', object: 'chat.completion', model: json.model,
        choices: [{ index: 0, message, finish_reason: answer.toolCall ? 'tool_calls' : 'stop' }],
        usage: { prompt_tokens: 20, completion_tokens: 6, total_tokens: 26 },
      }));
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
  - { name: mockup, kind: openai, base_url: http://127.0.0.1:${upstreamPort}/v1, api_key_env: E2E_UPSTREAM_KEY }
models:
  - id: ${remoteModel}
    context_length: 65536
    endpoints:
      - { provider: mockup, model: acme-chat-v2, pricing: { prompt: 0.5, completion: 1.5 } }
  - id: ${localModel}
    context_length: 1024
    endpoints:
      - { provider: local, model: demo-mixtral, pricing: { prompt: 0, completion: 0 } }
`);
  key = execFileSync(binary, ['keys', 'create', '--name', 'e2e-responses', '--db', dbPath]).toString().trim();
  baseURL = (await startSwitchyard(configPath)) + '/v1';
});

after(() => {
  server?.kill('SIGKILL');
  upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

const question = [{ role: 'user', content: 'What is the weather in Oslo?' }];

// The second leg of a round trip: the first answer's output, then the tool's result.
function withToolOutput(call) {
  return [...question, call, { type: 'function_call_output', call_id: call.call_id, output: '{"temp_c":21}' }];
}

function assertUsage(usage) {
  assert.ok(usage.input_tokens > 0);
  assert.ok(usage.output_tokens > 0);
  assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens);
  assert.equal(typeof usage.input_tokens_details.cached_tokens, 'number');
  assert.equal(usage.output_tokens_details.reasoning_tokens, 0);
}

test('remote: a plain function-tool round trip through client.responses.create', async () => {
  const client = new OpenAI({ apiKey: key, baseURL });
  const { data: first, response } = await client.responses
    .create({ model: remoteModel, instructions: 'Be brief', input: question, tools: [weatherTool],
      max_output_tokens: 200, temperature: 0.4, metadata: { run: 'e2e' } })
    .withResponse();
  assert.equal(first.object, 'response');
  assert.equal(first.status, 'completed');
  assert.equal(first.id, 'resp_' + response.headers.get('x-generation-id').slice(4));
  assert.equal(first.model, remoteModel);
  assert.deepEqual(first.metadata, { run: 'e2e' });
  assert.equal(first.instructions, 'Be brief');
  assert.equal(first.tools[0].name, 'get_weather');
  assert.equal(first.max_output_tokens, 200);
  assert.equal(first.output.length, 1);
  const call = first.output[0];
  assert.equal(call.type, 'function_call');
  assert.equal(call.call_id, 'call_up_1');
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.arguments), { city: 'Oslo' });
  assert.equal(first.output_text, '');
  assert.deepEqual(first.usage, { input_tokens: 20, input_tokens_details: { cached_tokens: 0 }, output_tokens: 6,
    output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 26, cost: 20 * 0.5e-6 + 6 * 1.5e-6 });
  const sent = upstreamRequests.at(-1);
  assert.equal(sent.model, 'acme-chat-v2');
  assert.deepEqual(sent.messages, [{ role: 'system', content: 'Be brief' }, ...question]);
  assert.deepEqual(sent.tools, [{ type: 'function', function: { name: 'get_weather', description: weatherTool.description,
    parameters: weatherTool.parameters, strict: true } }]);
  assert.equal(sent.max_tokens, 200);
  assert.equal(sent.temperature, 0.4);

  const second = await client.responses.create({ model: remoteModel, input: withToolOutput(call), tools: [weatherTool] });
  assert.equal(second.status, 'completed');
  assert.equal(second.output[0].type, 'message');
  assert.equal(second.output_text, 'The tool said: {"temp_c":21}');
  const replay = upstreamRequests.at(-1).messages;
  assert.deepEqual(replay.at(-2), { role: 'assistant', content: null,
    tool_calls: [{ id: 'call_up_1', type: 'function', function: { name: 'get_weather', arguments: call.arguments } }] });
  assert.deepEqual(replay.at(-1), { role: 'tool', content: '{"temp_c":21}', tool_call_id: 'call_up_1' });
});

test('remote: a streamed function-tool round trip, with the typed events in order', async () => {
  const client = new OpenAI({ apiKey: key, baseURL });
  const stream = await client.responses.create({ model: remoteModel, input: question, tools: [weatherTool], stream: true });
  const types = [];
  let args = '', completed = null;
  for await (const event of stream) {
    assert.equal(event.sequence_number, types.length);
    types.push(event.type);
    if (event.type === 'response.function_call_arguments.delta') args += event.delta;
    if (event.type === 'response.completed') completed = event.response;
  }
  assert.deepEqual(types, ['response.created', 'response.in_progress', 'response.output_item.added',
    'response.function_call_arguments.delta', 'response.function_call_arguments.delta',
    'response.function_call_arguments.done', 'response.output_item.done', 'response.completed']);
  assert.equal(args, '{"city":"Oslo"}');
  const call = completed.output[0];
  assert.equal(call.type, 'function_call');
  assert.equal(call.arguments, args);
  assert.equal(completed.usage.input_tokens, 21);
  assert.equal(completed.usage.output_tokens, 7);

  // The answer, through the SDK's accumulating stream helper.
  const answer = client.responses.stream({ model: remoteModel, input: withToolOutput(call), tools: [weatherTool] });
  let text = '';
  answer.on('response.output_text.delta', (e) => (text += e.delta));
  const final = await answer.finalResponse();
  assert.equal(text, 'The tool said: {"temp_c":21}');
  // (the helper's finalResponse() adds no output_text unless it parses a format: read the item)
  assert.equal(final.output[0].content[0].text, text);
  assert.equal(final.status, 'completed');
  assertUsage(final.usage);
});

test('remote: a stream the upstream cuts short ends with response.failed carrying the error', async () => {
  const client = new OpenAI({ apiKey: key, baseURL });
  const stream = await client.responses.create({ model: remoteModel, input: 'cut the stream', stream: true });
  const events = [];
  for await (const event of stream) events.push(event);
  const failed = events.at(-1);
  assert.equal(failed.type, 'response.failed');
  assert.equal(failed.response.status, 'failed');
  assert.equal(failed.response.error.code, 'server_error');
  assert.ok(failed.response.error.message.length > 0);
  assert.equal(failed.response.output[0].content[0].text, 'Half a');
  assert.equal(failed.response.output[0].status, 'incomplete');
  assert.ok(!events.some((e) => e.type === 'response.completed'));
  assert.ok(failed.response.usage.input_tokens > 0, 'what was used is still billed');
});

test('remote: a wrong key is the SDK AuthenticationError (401)', async () => {
  const client = new OpenAI({ apiKey: 'sk-sy-v1-wrong', baseURL, maxRetries: 0 });
  await assert.rejects(client.responses.create({ model: remoteModel, input: 'hi' }),
    (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
});

test('remote: bad requests are the SDK BadRequestError (400) naming the field', async () => {
  const client = new OpenAI({ apiKey: key, baseURL, maxRetries: 0 });
  await assert.rejects(
    client.responses.create({ model: remoteModel,
      input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file-1' }] }] }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && /input\[0\]\.content\[0\]\.type/.test(e.message));
  await assert.rejects(
    client.responses.create({ model: remoteModel, input: 'hi', previous_response_id: 'resp_1' }),
    (e) => e instanceof OpenAI.BadRequestError && /previous_response_id/.test(e.message));
  await assert.rejects(
    client.responses.create({ model: remoteModel, input: 'hi', temperature: 3, stream: true }),
    (e) => e instanceof OpenAI.BadRequestError && /temperature/.test(e.message));
});

test('local engine: a plain and a streamed answer after a tool round trip, same text, real usage', async () => {
  const client = new OpenAI({ apiKey: key, baseURL });
  const call = { type: 'function_call', call_id: 'call_local_1', name: 'get_weather', arguments: '{"city":"Oslo"}' };
  const params = { model: localModel, input: withToolOutput(call), tools: [weatherTool], max_output_tokens: 8,
    temperature: 0 };
  const plain = await client.responses.create(params);
  assert.equal(plain.provider, 'local');
  assert.ok(['completed', 'incomplete'].includes(plain.status));
  if (plain.status === 'incomplete') assert.deepEqual(plain.incomplete_details, { reason: 'max_output_tokens' });
  assertUsage(plain.usage);
  assert.ok(plain.usage.output_tokens <= 8);
  // The engine makes no tool calls: the output is one message, or nothing if no text came.
  if (plain.output_text) {
    assert.equal(plain.output.length, 1);
    assert.equal(plain.output[0].type, 'message');
    assert.equal(plain.output[0].content[0].type, 'output_text');
    assert.equal(plain.output[0].content[0].text, plain.output_text);
  } else {
    assert.deepEqual(plain.output, []);
  }
  const questionOnly = await client.responses.create({ ...params, input: question, max_output_tokens: 1 });
  assert.ok(plain.usage.input_tokens > questionOnly.usage.input_tokens, 'the tool call and its output reach the prompt');

  const stream = await client.responses.create({ ...params, stream: true });
  let text = '', last = null, sequence = 0;
  for await (const event of stream) {
    assert.equal(event.sequence_number, sequence++);
    if (event.type === 'response.output_text.delta') text += event.delta;
    last = event;
  }
  assert.equal(last.type, plain.status === 'completed' ? 'response.completed' : 'response.incomplete');
  assert.equal(text, plain.output_text, 'greedy decoding: the stream says what the plain answer said');
  assert.deepEqual(last.response.usage, plain.usage);
});

test('SIGTERM flushes the ledger: one row per request, each marked api responses', async () => {
  server.removeAllListeners('exit');
  const exited = new Promise((ok) => server.once('exit', ok));
  server.kill('SIGTERM');
  await exited;
  server = null;
  const rows = execFileSync('sqlite3', [dbPath,
    "SELECT api, status, streamed, provider FROM usage ORDER BY created, rowid"]).toString().trim().split('\n');
  // plain x2, streamed x2, the cut stream, three 400s (no provider), local plain x2 + streamed; the 401
  // has no key to bill.
  assert.deepEqual(rows, [
    'responses|200|0|mockup', 'responses|200|0|mockup', 'responses|200|1|mockup', 'responses|200|1|mockup',
    'responses|502|1|mockup', 'responses|400|0|', 'responses|400|0|', 'responses|400|0|',
    'responses|200|0|local', 'responses|200|0|local', 'responses|200|1|local',
  ]);
  const stored = execFileSync('sqlite3', [dbPath, '.dump']).toString();
  assert.ok(!stored.includes(key), 'the plaintext key must never be stored');
  assert.ok(!stored.includes('upstream-secret'), 'provider secrets must never be stored');
});
