// Optional parity check: the same GGUF through llama.cpp (node-llama-cpp's prebuilt CPU
// binaries) and through `switchyard generate`, comparing (1) the token ids of tricky texts
// and (2) greedy generations token by token. Not used by tests or CI (it needs the npm
// package); prints what matched.
//   cd bench && npm install --omit=optional --ignore-scripts && \
//   node llama_cpp_parity.mjs [--model FILE] [--binary build/switchyard] [--tokens N] [--kv f32|f16]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const binary = resolve(args.binary ?? "../build/switchyard");
const modelPath = args.model ?? "/tmp/switchyard_parity_demo.gguf";
const nTokens = Number(args.tokens ?? 24);
// Our engine keeps its KV cache in F32; llama.cpp defaults to F16. Compare like with like.
const kv = (args.kv ?? "f32").toUpperCase();
if (!existsSync(modelPath)) execFileSync(binary, ["make-demo-model", "--out", modelPath]);

// Ours: prompt ids (with BOS) and greedy generated ids from `generate --print-ids`.
function ours(text, maxTokens) {
  const run = spawnSync(binary, ["generate", "--model", modelPath, "--prompt", text, "--template", "raw",
    "--temperature", "0", "--max-tokens", String(maxTokens), "--ignore-eos", "--print-ids", "--threads", "2"]);
  const out = run.stderr.toString();
  if (run.status !== 0) throw new Error(`switchyard generate failed: ${out}`);
  const ids = (label) => out.match(new RegExp(`^${label}:(.*)$`, "m"))[1].trim().split(/\s+/).filter(Boolean).map(Number);
  return { prompt: ids("prompt ids"), generated: ids("generated ids") };
}

const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath });
const bos = model.tokens.bos;

const texts = [
  "Hello world", " leading space", "two  spaces and   three", "line one\nline two\n\n", "tabs\tand\ttabs",
  "emoji 😀🚀 and more", "CJK 日本語のテキスト 中文", "Ünïcödé àccents", "</s> is text here", "<s>[INST] not special [/INST]",
  "numbers 1234567890 and 3.14159", "a", "", "   ", "The quick brown fox jumps over the lazy dog.",
];
let tokenOk = 0;
for (const text of texts) {
  const theirs = [bos, ...model.tokenize(text, false)];
  const mine = ours(text, 1).prompt;
  const same = JSON.stringify(theirs) === JSON.stringify(mine);
  tokenOk += same;
  if (!same) console.log(`tokenize MISMATCH ${JSON.stringify(text)}\n  llama.cpp:  ${theirs.join(" ")}\n  switchyard: ${mine.join(" ")}`);
}
console.log(`tokenization: ${tokenOk} of ${texts.length} texts give identical ids (BOS included)`);

const context = await model.createContext({ contextSize: 512, threads: 2, sequences: 1,
  experimentalKvCacheKeyType: kv, experimentalKvCacheValueType: kv });
const seq = context.getSequence();
const prompts = ["Once upon a time", "The capital of France is", "def fibonacci(n):", "USER: Hello ASSISTANT:"];
let genOk = 0, matchedTokens = 0, totalTokens = 0;
for (const p of prompts) {
  await seq.clearHistory();
  const theirs = [], probs = [];
  for await (const out of seq.evaluateWithMetadata([bos, ...model.tokenize(p, false)], { probabilities: true }, { temperature: 0 })) {
    theirs.push(out.token);
    probs.push(out.probabilities);
    if (theirs.length >= nTokens) break;
  }
  const mine = ours(p, nTokens).generated;
  let k = 0;
  while (k < nTokens && theirs[k] === mine[k]) ++k;
  matchedTokens += k;
  totalTokens += nTokens;
  genOk += k === nTokens;
  console.log(`greedy ${JSON.stringify(p)}: ${k}/${nTokens} tokens identical` +
    (k < nTokens ? ` (first difference at ${k}: llama.cpp ${theirs[k]} p=${probs[k].get(theirs[k])?.toFixed(5)}, ` +
      `switchyard ${mine[k]} p=${probs[k].get(mine[k])?.toFixed(5)} by llama.cpp's own probabilities)` : ""));
}
console.log(`greedy generation: ${genOk} of ${prompts.length} prompts identical for ${nTokens} tokens ` +
  `(${matchedTokens}/${totalTokens} tokens before the first difference)`);
// Control: llama.cpp against itself with only the KV cache precision changed. On a random
// model the greedy path is chaotic (near-tied router choices across many layers), so how
// long llama.cpp agrees with itself is the yardstick for how long two engines can agree.
const other = kv === "F32" ? "F16" : "F32";
const ctx2 = await model.createContext({ contextSize: 512, threads: 2, sequences: 1,
  experimentalKvCacheKeyType: other, experimentalKvCacheValueType: other });
let selfMatched = 0;
const seq2 = ctx2.getSequence();
for (const p of prompts) {
  const run = async (s) => {
    await s.clearHistory();
    const ids = [];
    for await (const t of s.evaluate([bos, ...model.tokenize(p, false)], { temperature: 0 })) {
      ids.push(t);
      if (ids.length >= nTokens) break;
    }
    return ids;
  };
  const a = await run(seq), b = await run(seq2);
  let k = 0;
  while (k < nTokens && a[k] === b[k]) ++k;
  selfMatched += k;
  console.log(`control ${JSON.stringify(p)}: llama.cpp KV ${kv} vs KV ${other}: ${k}/${nTokens} tokens identical`);
}
console.log(`control: llama.cpp agrees with itself (KV ${kv} vs ${other}) on ${selfMatched}/${totalTokens} tokens before the first difference`);
await ctx2.dispose();
await context.dispose();
await model.dispose();
await llama.dispose();
