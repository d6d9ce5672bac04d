// Size benchmark: npm run bench:size (builds first). Prints one JSON object:
// - every budget of issue 18 (scripts/bundles.mjs) with its gzip -9 and brotli figures, as the build
//   measured them (dist/sizes.json), and lit alone as the baseline of the same run (what any lit
//   element pays);
// - the share of each part of the one CDN file: its minified bytes in the file, and the gzip bytes
//   attributed to it in proportion;
// - the autoloader's chunks one by one.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { brotli, cdnOptions, CEILINGS, gzip, sizeOf } from '../scripts/bundles.mjs';

const { budgets, chunks } = JSON.parse(readFileSync('dist/sizes.json', 'utf8'));

/** A baseline bundled in this run: what `contents` imports, minified. */
async function baseline(contents, platform) {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, format: 'esm', target: 'es2022', minify: true, platform,
    mainFields: ['module', 'main'], write: false,
  });
  const code = result.outputFiles[0].contents;
  return { bytes: code.length, gzip: gzip(code), brotli: brotli(code) };
}

/** The part of the CDN file a source file belongs to. */
const partOf = (file) =>
  /^node_modules\/(lit|lit-html|lit-element|@lit)\//.test(file) ? 'lit'
    : /^node_modules\//.test(file) ? 'core dependencies (eventemitter3, uuid)'
      : /^src\/media\//.test(file) ? 'media'
        : /^src\//.test(file) ? 'core'
          : /\.styles\.ts$|internal\/styles\.ts$/.test(file) ? 'styles'
            : /^components\/translations\//.test(file) ? 'texts (en)'
              : /^components\/(call|chat|dialer|connection)\//.test(file) ? `<jsongle-${file.split('/')[1]}>`
                : 'elements, shared';

async function cdnParts() {
  const result = await build({ ...cdnOptions, sourcemap: false, write: false, metafile: true, logLevel: 'silent' });
  const total = budgets.cdn.gzip;
  const inputs = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.inputs ?? {};
  const bytes = {};
  for (const [file, { bytesInOutput }] of Object.entries(inputs)) bytes[partOf(file)] = (bytes[partOf(file)] ?? 0) + bytesInOutput;
  const sum = Object.values(bytes).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries(bytes).sort((a, b) => b[1] - a[1])
    .map(([part, n]) => [part, { bytes: n, gzip_share: Math.round((n / sum) * total) }]));
}

const lit = await baseline("export { LitElement, html, css, nothing } from 'lit'; export { property } from 'lit/decorators.js'", 'browser');
const report = {
  budgets: Object.fromEntries(Object.entries(budgets).map(([k, b]) => [k, {
    gzip: b.gzip, brotli: b.brotli, budget_gzip: b.budget, within_budget: b.gzip <= b.budget, ceiling_gzip: CEILINGS[k], files: b.files.length || undefined,
    ratio_to_lit: Number((b.gzip / lit.gzip).toFixed(2)),
  }])),
  baseline_lit_only: lit,
  baseline_dependencies_only: await baseline("export { EventEmitter } from 'eventemitter3'; export { v4 } from 'uuid'", 'neutral'),
  cdn_parts: await cdnParts(),
  autoloader_chunks: Object.fromEntries(await Promise.all(Object.entries(chunks).map(async ([tag, f]) => [tag, await sizeOf([f])]))),
};
console.log(JSON.stringify(report, null, 2));
