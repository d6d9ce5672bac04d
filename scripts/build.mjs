// Builds dist/ with esbuild and prints the gzip size of each bundle (JSON on the last line).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const common = { bundle: true, format: 'esm', target: 'es2022', minify: true, sourcemap: true, legalComments: 'none', logLevel: 'warning' };

const bundles = [
  // The DOM-free core and its transports for npm users: dependencies stay imports (npm installs and
  // dedupes them); only our own code is in these files.
  { entryPoints: ['src/index.ts'], outfile: 'dist/core/index.js', platform: 'neutral', packages: 'external' },
  { entryPoints: ['src/transports.ts'], outfile: 'dist/transports/index.js', platform: 'neutral', packages: 'external' },
  // The signaling server (`jsongle-server`, run by `npm start`): our code (server/ + src/protocol)
  // in one file, its dependencies (ws, prom-client) left as imports: they are the package's own
  // dependencies, and ws loads its optional native addons by name. Not minified: readable stacks.
  // A young generation of 4 MB semi-spaces (as `npm start` runs it): V8 would otherwise grow it to
  // 32 MB during a burst of connections and keep it, ~8 KB per connection at 2,000 of them.
  { entryPoints: ['server/bin.ts'], outfile: 'dist/server/bin.js', platform: 'node', packages: 'external', minify: false, banner: { js: '#!/usr/bin/env -S node --max-semi-space-size=4' } },
  // The demo pages (demo/index.html, demo/serverless.html; the server maps dist/demo/ to `/`):
  // their small page script, which only uses the elements' documented attributes, properties and
  // events (type-only imports: no element code in it)…
  { entryPoints: ['demo/main.ts'], outfile: 'dist/demo/demo.js', platform: 'browser' },
  // …and the elements they load: components/index.ts with lit bundled, for the browser. Kept
  // separate from the CDN bundle (dist/jsongle-elements.min.js) so the demo never depends on it.
  { entryPoints: ['components/index.ts'], outfile: 'dist/demo/elements.js', platform: 'browser' },
];

rmSync('dist', { recursive: true, force: true });
// Type declarations of the core (the `types` of 'jsongle-elements/core').
execFileSync('npx', ['tsc', '-p', 'tsconfig.core.json', '--noEmit', 'false', '--declaration', '--emitDeclarationOnly',
  '--rewriteRelativeImportExtensions', '--rootDir', '.', '--outDir', 'dist/types'], { stdio: 'inherit' });

const sizes = {};
for (const options of bundles) {
  await build({ ...common, ...options });
  const code = readFileSync(options.outfile);
  sizes[options.outfile] = { bytes: code.length, gzip: gzipSync(code, { level: 9 }).length };
}
for (const [file, { bytes, gzip }] of Object.entries(sizes)) {
  console.log(`${file}: ${(bytes / 1024).toFixed(1)} KB, ${(gzip / 1024).toFixed(2)} KB gzip`);
}
console.log(JSON.stringify({ sizes }));
