// The README, tested as a new user would follow it. The blocks are read from README.md
// itself, so they cannot drift: the run command starts the server (twice: the second
// start prints the same demo key), the curl block answers, the SDK block is a complete
// .mjs file that prints the reply. Every other sh/js block must say why it is not run
// (an HTML comment `<!-- readme-test: not run: REASON -->` on the line before it), and
// every repository path the README names must exist.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve('.');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const binary = process.env.SWITCHYARD_BINARY || resolve('build/switchyard');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-readme-'));
const running = new Set();

after(() => {
  for (const p of running) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

// Fenced blocks with their language and the line before the fence.
function blocks(text) {
  const out = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^```(\w*)/);
    if (!open) continue;
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith('```')) j++;
    out.push({ lang: open[1], body: lines.slice(i + 1, j).join('\n'), before: lines[i - 1] ?? '', line: i + 1 });
    i = j;
  }
  return out;
}

const all = blocks(readme);
const runnable = all.filter((b) => ['sh', 'bash', 'js', 'mjs'].includes(b.lang));
const runBlock = runnable.find((b) => /^\.\/scripts\/run\.sh/m.test(b.body));
const curlBlock = runnable.find((b) => /^curl /m.test(b.body) && b.body.includes('$KEY'));
const sdkBlock = runnable.find((b) => b.lang === 'js' && b.body.includes("from 'openai'"));

// The run command as the README writes it (its first word, without the comment), with the
// arguments the README says go to the server: a free port and a database of the test's own.
function startRunCommand() {
  const line = runBlock.body.split('\n').find((l) => l.startsWith('./scripts/run.sh'));
  const command = line.replace(/#.*/, '').trim();
  const db = join(dir, 'switchyard.db');
  const proc = spawn('bash', ['-c', `exec ${command} --port 0 --db ${db} 2>&1`], {
    cwd: root,
    env: { ...process.env, SWITCHYARD_BUILD_DIR: dirname(binary) },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: false,
  });
  running.add(proc);
  return new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`run.sh did not serve within 120 s:\n${out}`)), 120000);
    proc.stdout.on('data', (d) => {
      out += d;
      proc.outText = out;
      const m = out.match(/listening on (http:\/\/\S+)\ndemo API key: (\S+)\ntry: curl [^\n]*\n/);
      if (m) {
        clearTimeout(timer);
        ok({ proc, out, url: m[1], key: m[2] });
      }
    });
    proc.on('exit', (code) => fail(new Error(`run.sh exited with ${code} before serving:\n${out}`)));
  });
}

// SIGINT, as Ctrl-C: the server stops after writing its usage rows.
function stop(proc) {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      let stacks = '';
      try {
        stacks = execFileSync('gdb', ['-p', String(proc.pid), '-batch', '-ex', 'thread apply all bt'], { timeout: 30000 }).toString();
      } catch (e) {
        stacks = `(no stacks: ${e.message})`;
      }
      fail(new Error(`the server did not stop within 60 s of SIGINT:\n${proc.outText}\n${stacks}`));
    }, 60000);
    proc.on('exit', () => {
      clearTimeout(timer);
      running.delete(proc);
      ok();
    });
    proc.kill('SIGINT');
  });
}

// A README block with the README's address replaced by the server's.
const localize = (body, url) => body.replaceAll('http://127.0.0.1:8080', url);

test('the README has the run command, the curl block and the SDK block', () => {
  assert.ok(runBlock, 'a sh block starting ./scripts/run.sh');
  assert.ok(curlBlock, 'a sh block with curl and $KEY');
  assert.ok(sdkBlock, "a js block importing 'openai'");
  assert.match(runBlock.body, /^\.\/scripts\/test\.sh/m, 'the test command is in the same block');
});

test('switchyard --version, as the README says', () => {
  assert.match(readme, /`\.\/build\/switchyard --version`/);
  const out = execFileSync(binary, ['--version']).toString();
  assert.match(out, /^switchyard \d+\.\d+\.\d+ \((CUDA backend built|CPU engine only)\)\n$/);
});

test('every other sh or js block says why it is not run', () => {
  for (const b of runnable) {
    if (b === runBlock || b === curlBlock || b === sdkBlock) continue;
    assert.match(b.before, /<!-- readme-test: not run: .+-->/, `README.md line ${b.line}: a ${b.lang} block not run`);
  }
});

test('every repository path the README names exists', () => {
  const generated = /^(build|data|models)\//;  // written by the build or at run time
  const named = new Set();
  for (const m of readme.matchAll(/\]\(([^)#\s]+)\)/g)) if (!/^[a-z]+:/.test(m[1])) named.add(m[1]);
  const roots = 'scripts|bench|tests|proxy|db|providers|local_engine|dashboard|tools|\\.ci';
  const pathLike = new RegExp(`^(\\./)?((${roots})/[\\w./-]*|[\\w.-]+\\.(md|yaml|sh|mjs|json))$`);
  for (const m of readme.matchAll(/`([^`\s]+)`/g)) if (pathLike.test(m[1])) named.add(m[1]);
  assert.ok(named.size > 10, `found ${named.size} paths`);
  for (const p of named) {
    const path = p.replace(/^\.\//, '');
    if (generated.test(path) || path === 'hello.mjs') continue;
    // A bare file name (`run.sh`) may name a script in scripts/.
    const found = existsSync(join(root, path)) || (!path.includes('/') && existsSync(join(root, 'scripts', path)));
    assert.ok(found, `README.md names ${p}, which the repository does not have`);
  }
});

test('the run command serves, the curl block and the SDK block answer, a second start keeps the key', async () => {
  const first = await startRunCommand();
  // Nothing of the build after the three lines a user needs: they are the last printed.
  assert.doesNotMatch(first.out.slice(first.out.indexOf('listening on')), /\[\s*\d+%\]|Building|Linking/);

  const curl = execFileSync('bash', ['-c', localize(curlBlock.body, first.url)], {
    env: { ...process.env, KEY: first.key },
    timeout: 60000,
  }).toString();
  const reply = JSON.parse(curl);
  assert.equal(reply.object, 'chat.completion');
  assert.equal(typeof reply.choices[0].message.content, 'string');
  // The demo model's catalog default: a short answer, not the 512-token cap.
  assert.ok(reply.usage.completion_tokens <= 64, `completion_tokens ${reply.usage.completion_tokens}`);

  // The SDK block as a complete file beside the e2e tests' node_modules (where `openai` is).
  const file = join(root, 'tests/e2e', `.readme-hello-${process.pid}.mjs`);
  writeFileSync(file, localize(sdkBlock.body, first.url));
  try {
    const printed = execFileSync(process.execPath, [file], { env: { ...process.env, KEY: first.key }, timeout: 60000 }).toString();
    // It exits 0 only when the call succeeded; the reply (random-weight text) is its output.
    assert.ok(printed.endsWith('\n'), 'the SDK block printed the reply');
  } finally {
    rmSync(file, { force: true });
  }
  await stop(first.proc);

  const keyFile = join(dir, 'demo-key');
  assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'the demo key file is readable by its owner only');
  assert.equal(readFileSync(keyFile, 'utf8').trim(), first.key);
  const second = await startRunCommand();
  assert.equal(second.key, first.key, 'the second start prints the same demo key');
  await stop(second.proc);
});
