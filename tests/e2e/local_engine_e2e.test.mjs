// End to end: the local engine doing what apps ask, through the real `switchyard serve`
// binary and the official OpenAI SDK: tool calls (plain and streamed, results sent back),
// structured output with a JSON schema (Chat Completions and the Responses API's
// text.format), an unsupported schema keyword as a 400, the prefix cache reported and
// billed at the cache-read price, and n > 1 with a seed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';

const binary = process.env.SWITCHYARD_BINARY || resolve('build/switchyard');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-local-e2e-'));
const dbPath = join(dir, 'ledger.db');
const model = 'switchyard/demo-mixtral';
let server, client;

const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'The weather in a city now',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string', maxLength: 10 }, unit: { enum: ['C', 'F'] } },
        required: ['city'],
        additionalProperties: false,
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'add',
      parameters: {
        type: 'object',
        properties: { a: { type: 'integer' }, b: { type: 'integer' } },
        required: ['a', 'b'],
        additionalProperties: false,
      },
    },
  },
];

function startSwitchyard(configPath) {
  return new Promise((ok, fail) => {
    server = spawn(binary, ['serve', '--config', configPath, '--port', '0', '--db', dbPath, '--quiet'], {
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
  const configPath = join(dir, 'config.yaml');
  const modelPath = join(dir, 'demo.gguf');
  execFileSync(binary, ['make-demo-model', '--out', modelPath]);
  writeFileSync(configPath, `
providers:
  - { name: local, kind: local, model_path: ${modelPath}, threads: 2, context_length: 4096, max_sequences: 2, chat_template: vicuna,
      prefix_cache_mb: 64, max_choices: 2 }
models:
  - id: ${model}
    context_length: 4096
    endpoints:
      - { provider: local, model: demo-mixtral, pricing: { prompt: 1.0, completion: 2.0, cache_read: 0.1 } }
`);
  const key = execFileSync(binary, ['keys', 'create', '--name', 'e2e', '--db', dbPath]).toString().trim();
  client = new OpenAI({ apiKey: key, baseURL: (await startSwitchyard(configPath)) + '/v1', maxRetries: 0 });
});

after(() => {
  server?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function checkArguments(call) {
  const args = JSON.parse(call.function.arguments);
  if (call.function.name === 'add') {
    assert.ok(Number.isInteger(args.a) && Number.isInteger(args.b), call.function.arguments);
  } else {
    assert.equal(call.function.name, 'get_weather');
    assert.equal(typeof args.city, 'string');
    assert.ok([...args.city].length <= 10);
    if ('unit' in args) assert.ok(['C', 'F'].includes(args.unit));
  }
}

test('a forced tool call comes back as tool_calls with ids, finish_reason tool_calls', async () => {
  for (const seed of [1, 2, 3]) {
    const r = await client.chat.completions.create({
      model, messages: [{ role: 'user', content: 'What is the weather in Paris?' }], tools, tool_choice: 'required',
      seed, max_tokens: 300,
    });
    const choice = r.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    assert.ok(choice.message.tool_calls.length >= 1);
    for (const call of choice.message.tool_calls) {
      assert.match(call.id, /^call_[A-Za-z0-9]{24}$/);
      assert.equal(call.type, 'function');
      checkArguments(call);
    }
  }
});

test('a streamed tool call arrives as deltas with index, id and name first', async () => {
  const stream = await client.chat.completions.create({
    model, messages: [{ role: 'user', content: 'Add two numbers' }], tools,
    tool_choice: { type: 'function', function: { name: 'add' } }, parallel_tool_calls: false, seed: 4, max_tokens: 300,
    stream: true,
  });
  const calls = [];
  let finish = null, deltas = 0;
  for await (const chunk of stream) {
    const c = chunk.choices[0];
    if (!c) continue;
    for (const d of c.delta.tool_calls ?? []) {
      ++deltas;
      if (!calls[d.index]) {
        assert.ok(d.id && d.function.name, 'the first delta of a call has its id and name');
        calls[d.index] = { id: d.id, type: 'function', function: { name: d.function.name, arguments: '' } };
      } else {
        assert.equal(d.id, undefined);
      }
      calls[d.index].function.arguments += d.function.arguments ?? '';
    }
    if (c.finish_reason) finish = c.finish_reason;
  }
  assert.equal(finish, 'tool_calls');
  assert.equal(calls.length, 1);
  assert.equal(calls[0].function.name, 'add');
  assert.ok(deltas > 2);
  checkArguments(calls[0]);
});

test('tool results go back to the model, and tool_choice none answers in text', async () => {
  const first = await client.chat.completions.create({
    model, messages: [{ role: 'user', content: 'Weather in Rome?' }], tools, tool_choice: 'required', seed: 5, max_tokens: 300,
  });
  const call = first.choices[0].message.tool_calls[0];
  const r = await client.chat.completions.create({
    model, tools, tool_choice: 'none', max_tokens: 12, temperature: 0,
    messages: [
      { role: 'user', content: 'Weather in Rome?' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: call.id, content: '21 C and sunny' },
    ],
  });
  assert.equal(r.choices[0].message.tool_calls, undefined);
  assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
  // The call and its result are in the prompt (tool_choice none also leaves the tool list out).
  const plain = await client.chat.completions.create({
    model, tools, tool_choice: 'none', max_tokens: 1, messages: [{ role: 'user', content: 'Weather in Rome?' }],
  });
  assert.ok(r.usage.prompt_tokens > plain.usage.prompt_tokens + 20);
});

test('response_format json_schema: the answer parses and follows the schema', async () => {
  const schema = {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 12 },
      level: { enum: ['low', 'mid', 'high'] },
      tags: { type: 'array', items: { type: 'integer' }, maxItems: 3 },
    },
    required: ['name', 'level'],
    additionalProperties: false,
  };
  for (const seed of [11, 12, 13]) {
    const r = await client.chat.completions.create({
      model, messages: [{ role: 'user', content: 'Describe a thing' }], seed, max_tokens: 300,
      response_format: { type: 'json_schema', json_schema: { name: 'thing', schema, strict: true } },
    });
    assert.equal(r.choices[0].finish_reason, 'stop');
    const v = JSON.parse(r.choices[0].message.content);
    assert.deepEqual(Object.keys(v).filter((k) => !['name', 'level', 'tags'].includes(k)), []);
    assert.ok(v.name.length >= 1 && [...v.name].length <= 12);
    assert.ok(['low', 'mid', 'high'].includes(v.level));
    if (v.tags) assert.ok(v.tags.length <= 3 && v.tags.every(Number.isInteger));
  }
});

test('the Responses API: text.format json_schema and a required function call', async () => {
  const schema = { type: 'object', properties: { ok: { type: 'boolean' }, n: { type: 'integer' } },
    required: ['ok', 'n'], additionalProperties: false };
  const r = await client.responses.create({
    model, input: 'Answer in JSON', max_output_tokens: 200, temperature: 1,
    text: { format: { type: 'json_schema', name: 'answer', schema, strict: true } },
  });
  assert.equal(r.status, 'completed');
  const v = JSON.parse(r.output_text);
  assert.equal(typeof v.ok, 'boolean');
  assert.ok(Number.isInteger(v.n));
  const call = await client.responses.create({
    model, input: 'Weather in Oslo?', max_output_tokens: 300, tool_choice: 'required',
    tools: [{ type: 'function', ...tools[0].function }],
  });
  const item = call.output.find((o) => o.type === 'function_call');
  assert.ok(item, JSON.stringify(call.output));
  assert.equal(item.name, 'get_weather');
  assert.equal(typeof JSON.parse(item.arguments).city, 'string');
});

test('an unsupported schema keyword is a 400 that names it', async () => {
  await assert.rejects(
    client.chat.completions.create({
      model, messages: [{ role: 'user', content: 'x' }], max_tokens: 5,
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'string', format: 'email' } } },
    }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && /'format'/.test(e.message),
  );
});

test('a repeated long system prompt is read from the prefix cache and billed at the cache-read price', async () => {
  const system = Array.from({ length: 60 }, (_, i) => `Rule ${i}: answer politely and keep it short.`).join(' ');
  const ask = (user) => client.chat.completions.create({
    model, max_tokens: 4, temperature: 0, messages: [{ role: 'system', content: system }, { role: 'user', content: user }],
  });
  const first = await ask('Hello');
  assert.equal(first.usage.prompt_tokens_details.cached_tokens, 0);
  const second = await ask('Hello again');
  const cached = second.usage.prompt_tokens_details.cached_tokens;
  assert.ok(cached >= 1000, `cached ${cached} of ${second.usage.prompt_tokens}`);
  assert.ok(cached < second.usage.prompt_tokens);
  const expected = ((second.usage.prompt_tokens - cached) * 1.0 + cached * 0.1 + second.usage.completion_tokens * 2.0) / 1e6;
  assert.ok(Math.abs(second.usage.cost - expected) < 1e-12, `cost ${second.usage.cost}, expected ${expected}`);
});

test('n = 2 with a seed: two choices, the same again, choice 0 equals n = 1', async () => {
  const ask = (n) => client.chat.completions.create({
    model, messages: [{ role: 'user', content: 'Say something' }], n, seed: 7, temperature: 1, max_tokens: 12,
  });
  const two = await ask(2);
  assert.equal(two.choices.length, 2);
  assert.deepEqual(two.choices.map((c) => c.index), [0, 1]);
  const again = await ask(2);
  assert.deepEqual(again.choices.map((c) => c.message.content), two.choices.map((c) => c.message.content));
  const one = await ask(1);
  assert.equal(one.choices[0].message.content, two.choices[0].message.content);
  // Usage counts every choice's tokens: 12 for each that ran to max_tokens, at least 1 for the others.
  const full = two.choices.filter((c) => c.finish_reason === 'length').length;
  assert.ok(two.usage.completion_tokens >= 12 * full + (2 - full) && two.usage.completion_tokens <= 24);
});
