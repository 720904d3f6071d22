// Optional side-by-side: llama.cpp (the prebuilt CPU binaries shipped in the npm package
// node-llama-cpp) on the same GGUF as bench_engine, with the same thread count, printing
// prefill and decode tok/s (best of --reps). Not used by tests or CI.
//   cd bench && npm install --omit=optional --ignore-scripts && \
//   node llama_cpp_compare.mjs [--model FILE] [--threads N] [--prompt N] [--decode N] [--reps N]
import os from "node:os";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const args = Object.fromEntries(
    process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const modelPath = args.model ?? "/tmp/switchyard_bench_mixtral_q8_0.gguf";
const threads = Number(args.threads ?? os.availableParallelism());
const nPrompt = Number(args.prompt ?? 128), nDecode = Number(args.decode ?? 64), reps = Number(args.reps ?? 3);

console.log(`load average at start: ${os.loadavg().map(v => v.toFixed(2)).join(" ")}`);
// build: "never": use the prebuilt binaries only, never download or compile anything.
const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.warn});
const model = await llama.loadModel({modelPath});
const nVocab = model.tokens.nTokens ?? 32000;
console.log(`llama.cpp (node-llama-cpp prebuilt, ${llama.cpuMathCores ?? "?"} math cores) model ${modelPath}, vocab ${nVocab}, ${threads} threads`);
const context = await model.createContext({contextSize: nPrompt + nDecode + 64, batchSize: Math.max(512, nPrompt), threads, sequences: 1});
const seq = context.getSequence();
const token = k => 259 + (k * 7919) % (nVocab - 259);
const prompt = Array.from({length: nPrompt}, (_, k) => token(k));
const now = () => Number(process.hrtime.bigint()) / 1e9;

let bestPrefill = Infinity, bestDecode = Infinity;
for (let rep = 0; rep <= reps; ++rep) {
  await seq.clearHistory();
  let t0 = now();
  await seq.evaluateWithoutGeneratingNewTokens(prompt);
  if (rep > 0) bestPrefill = Math.min(bestPrefill, now() - t0);
  // Decode: one token per evaluation with logits of the whole vocabulary (as bench_engine,
  // which computes logits every step), greedy so sampling costs one argmax.
  t0 = now();
  let k = 0;
  for await (const _ of seq.evaluate([token(nPrompt)], {temperature: 0})) {
    if (++k >= nDecode) break;
  }
  if (rep > 0) bestDecode = Math.min(bestDecode, now() - t0);
}
console.log(`prefill: ${nPrompt} tokens in ${bestPrefill.toFixed(3)} s = ${(nPrompt / bestPrefill).toFixed(1)} tok/s (best of ${reps})`);
console.log(`decode, 1 stream: ${nDecode} tokens in ${bestDecode.toFixed(3)} s = ${(nDecode / bestDecode).toFixed(1)} tok/s (best of ${reps})`);
await context.dispose();
await model.dispose();
await llama.dispose();
