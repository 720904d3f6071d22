// Bundles the dashboard into OUT_DIR: assets/app-<hash>.js and .css (uPlot included,
// minified), assets/icon-<hash>.svg (from the stylesheet) and index.html naming them.
// Content-hashed names let the server cache assets forever; index.html is always revalidated.
//   node build.mjs OUT_DIR
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) throw new Error('usage: node build.mjs OUT_DIR');
const assets = join(out, 'assets');
rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const result = await build({
  entryPoints: { app: join(here, 'src/main.js'), 'app-style': join(here, 'src/style.css') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  outdir: assets,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  loader: { '.svg': 'file' },
  metafile: true,
  legalComments: 'eof',
  logLevel: 'warning',
});

// The bundled file of each kind, by the name index.html gives it (the icon is the one file
// the stylesheet refers to).
const names = {};
for (const file of Object.keys(result.metafile.outputs)) names[`${file.endsWith('.svg') ? 'icon' : 'app'}.${file.split('.').pop()}`] = basename(file);

const html = readFileSync(join(here, 'index.html'), 'utf8').replace(/\{\{([\w.]+)\}\}/g, (_, name) => {
  if (!names[name]) throw new Error(`index.html names ${name}, which the build did not produce`);
  return names[name];
});
writeFileSync(join(out, 'index.html'), html);
