// The real switchyard binary for the browser tests: a mock OpenAI-compatible upstream on
// 127.0.0.1:0 (node's http) serving three providers by path prefix, a config naming them,
// a fresh SQLite file, a management key from the CLI, and `serve --port 0`.
//   /alpha and /gamma answer every completion; /beta always fails with a 502, so a request
//   routed beta -> gamma leaves two attempts in the ledger.
import http from 'node:http';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const binary = process.env.SWITCHYARD_BINARY || resolve('build/switchyard');
export const USAGE = { prompt_tokens: 120, completion_tokens: 30 };

function answer(res, model) {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({
    id: 'up-1', object: 'chat.completion', model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { ...USAGE, total_tokens: USAGE.prompt_tokens + USAGE.completion_tokens },
  }));
}

function startUpstream() {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url.startsWith('/beta/')) {
        res.writeHead(502, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: 'beta is down for maintenance' } }));
      }
      answer(res, JSON.parse(body).model);
    });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

function config(port) {
  const provider = (name) => `  - { name: ${name}, kind: openai, base_url: "http://127.0.0.1:${port}/${name}/v1", api_key_env: MOCK_KEY }`;
  return `providers:
${['alpha', 'beta', 'gamma'].map(provider).join('\n')}
models:
  - id: acme/fast
    context_length: 8192
    endpoints:
      - { provider: alpha, model: fast-v1, pricing: { prompt: 0.5, completion: 1.5 } }
  - id: acme/smart
    context_length: 32768
    endpoints:
      - { provider: beta, model: smart-v2, pricing: { prompt: 2, completion: 6 } }
      - { provider: gamma, model: smart-v2, pricing: { prompt: 3, completion: 9 } }
`;
}

function serve(configPath, dbPath) {
  return new Promise((ok, fail) => {
    const child = spawn(binary, ['serve', '--config', configPath, '--port', '0', '--db', dbPath, '--quiet'], {
      env: { ...process.env, MOCK_KEY: 'mock-secret' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^listening on (http:\/\/\S+)/);
      if (m) ok({ child, url: m[1] });
    });
    child.on('exit', (code) => fail(new Error(`switchyard exited early with ${code}`)));
  });
}

// Starts everything; stop() ends it and removes the files.
export async function startSwitchyard() {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-browser-'));
  const dbPath = join(dir, 'ledger.db');
  const upstream = await startUpstream();
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, config(upstream.address().port));
  const managementKey = execFileSync(binary, ['keys', 'create', '--name', 'ops', '--management', '--db', dbPath]).toString().trim();
  const { child, url } = await serve(configPath, dbPath);
  const stop = () => {
    child.kill('SIGKILL');
    upstream.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, managementKey, stop };
}
