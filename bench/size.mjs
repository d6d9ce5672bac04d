// Size benchmark. Prints one JSON object; usage: npm run bench:size
// - the core as npm users get it, and self-contained (its dependencies bundled in), beside a
//   baseline built in the same run: the dependencies alone (eventemitter3 + uuid);
// - the CDN file (dist/jsongle-elements.min.js, built with the build's own options), beside lit
//   alone (what any lit element pays), with the share of each part: its minified bytes in the file,
//   and the gzip bytes attributed to it in proportion.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { CDN_BUDGET, cdnOptions } from '../scripts/bundles.mjs';

const gzip = (code) => gzipSync(code, { level: 9 }).length;

const measure = async (contents, external, platform = 'neutral') => {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, format: 'esm', target: 'es2022',
    minify: true, platform, mainFields: ['module', 'main'], write: false, packages: external ? 'external' : undefined,
  });
  const code = result.outputFiles[0].contents;
  return { bytes: code.length, gzip: gzip(code) };
};

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

async function cdn() {
  const result = await build({ ...cdnOptions, sourcemap: false, write: false, metafile: true, logLevel: 'silent' });
  const code = result.outputFiles.find((f) => f.path.endsWith('.js')).contents;
  const total = gzip(code);
  const inputs = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.inputs ?? {};
  const bytes = {};
  for (const [file, { bytesInOutput }] of Object.entries(inputs)) bytes[partOf(file)] = (bytes[partOf(file)] ?? 0) + bytesInOutput;
  const sum = Object.values(bytes).reduce((a, b) => a + b, 0);
  const parts = Object.fromEntries(Object.entries(bytes).sort((a, b) => b[1] - a[1])
    .map(([part, n]) => [part, { bytes: n, gzip_share: Math.round((n / sum) * total) }]));
  return { bytes: code.length, gzip: total, budget_gzip: CDN_BUDGET, within_budget: total <= CDN_BUDGET, parts };
}

const report = {
  budget: { core_gzip: 8192 },
  core: await measure("export * from './src/index.ts'", true),
  core_self_contained: await measure("export * from './src/index.ts'", false),
  transports: await measure("export * from './src/transports.ts'", true),
  baseline_dependencies_only: await measure("export { EventEmitter } from 'eventemitter3'; export { v4 } from 'uuid'", false),
  cdn: await cdn(),
  baseline_lit_only: await measure("export { LitElement, html, css, nothing } from 'lit'; export { property } from 'lit/decorators.js'", false, 'browser'),
};
report.core_within_budget = report.core.gzip <= report.budget.core_gzip;
console.log(JSON.stringify(report, null, 2));
