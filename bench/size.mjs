// Size benchmark: gzip bytes of the core as npm users get it, and self-contained (its dependencies
// bundled in), beside a baseline built in the same run: the dependencies alone (eventemitter3 + uuid).
// Prints one JSON object. Usage: npm run bench:size
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';

const measure = async (contents, external) => {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, format: 'esm', target: 'es2022',
    minify: true, platform: 'neutral', mainFields: ['module', 'main'], write: false, packages: external ? 'external' : undefined,
  });
  const code = result.outputFiles[0].contents;
  return { bytes: code.length, gzip: gzipSync(code, { level: 9 }).length };
};

const report = {
  budget: { core_gzip: 8192 },
  core: await measure("export * from './src/index.ts'", true),
  core_self_contained: await measure("export * from './src/index.ts'", false),
  transports: await measure("export * from './src/transports.ts'", true),
  baseline_dependencies_only: await measure("export { EventEmitter } from 'eventemitter3'; export { v4 } from 'uuid'", false),
};
report.within_budget = report.core.gzip <= report.budget.core_gzip;
console.log(JSON.stringify(report, null, 2));
