// Builds dist/ with esbuild and prints the gzip size of each bundle (JSON on the last line).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { AUTOLOADER, BUDGETS, CEILINGS, buildAutoloader, buildForCdn, CDN, cdnOptions, common, coreBundled, downloaded, sizeOf, tagChunks } from './bundles.mjs';

const bundles = [
  // The DOM-free core and its transports for npm users: dependencies stay imports (npm installs and
  // dedupes them); only our own code is in these files.
  { entryPoints: ['src/index.ts'], outfile: 'dist/core/index.js', platform: 'neutral', packages: 'external' },
  { entryPoints: ['src/transports.ts'], outfile: 'dist/transports/index.js', platform: 'neutral', packages: 'external' },
  // `jsongle-elements`: the four elements (defined on import) and the core, for npm users; lit,
  // eventemitter3 and uuid stay imports.
  { entryPoints: ['components/index.ts'], outfile: 'dist/index.js', platform: 'browser', packages: 'external' },
  // French, on demand: `registerTranslation('fr', fr)`. A plain table, no imports.
  { entryPoints: ['components/translations/fr.ts'], outfile: 'dist/translations/fr.js', platform: 'neutral' },
  // `jsongle-elements/server`: createServer() for programs that embed the server.
  { entryPoints: ['server/index.ts'], outfile: 'dist/server/index.js', platform: 'node', packages: 'external', minify: false },
  // The signaling server (`jsongle-server`, run by `npm start`): our code (server/ + src/protocol)
  // in one file, its dependencies (ws, prom-client) left as imports: they are the package's own
  // dependencies, and ws loads its optional native addons by name. Not minified: readable stacks.
  // A young generation of 4 MB semi-spaces (as `npm start` runs it): V8 would otherwise grow it to
  // 32 MB during a burst of connections and keep it, ~8 KB per connection at 2,000 of them.
  { entryPoints: ['server/bin.ts'], outfile: 'dist/server/bin.js', platform: 'node', packages: 'external', minify: false, banner: { js: '#!/usr/bin/env -S node --max-semi-space-size=4' } },
  // The demo pages (demo/index.html, demo/serverless.html; the server maps dist/demo/ to `/`):
  // their small page script, which only uses the elements' documented attributes, properties and
  // events (type-only imports: no element code in it). They load the CDN file itself (copied
  // below), so the end-to-end tests drive the very bytes a CDN serves.
  { entryPoints: ['demo/main.ts'], outfile: 'dist/demo/demo.js', platform: 'browser' },
];

rmSync('dist', { recursive: true, force: true });
// Type declarations of every entry point (tsconfig.build.json lists them) into dist/types.
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

const sizes = {};
for (const options of bundles) {
  await build({ ...common, ...options });
  const code = readFileSync(options.outfile);
  sizes[options.outfile] = { bytes: code.length, gzip: gzipSync(code, { level: 9 }).length };
}
// dist/demo/ is the whole demo site (`jsongle-server` serves it at /, from the package too): the
// pages, their stylesheet and icon beside the page script and the CDN files (copied below).
for (const file of readdirSync('demo')) if (/\.(html|css|svg)$/.test(file)) copyFileSync(`demo/${file}`, `dist/demo/${file}`);
const width = Math.max(...Object.keys(sizes).map((f) => f.length));
for (const [file, { bytes, gzip }] of Object.entries(sizes)) {
  console.log(`${file.padEnd(width)}  ${(bytes / 1024).toFixed(1).padStart(6)} KB  ${(gzip / 1024).toFixed(1).padStart(5)} KB gzip`);
}
console.log(JSON.stringify({ sizes }));

// What browsers download from a CDN: the one file (lit included, for a <script type="module">), and
// the autoloader with its chunks. Both through terser after esbuild.
await buildForCdn(cdnOptions);
const meta = await buildAutoloader();
const chunks = tagChunks(meta);
const callPage = downloaded(meta, [AUTOLOADER, chunks['jsongle-connection'], chunks['jsongle-call']]);
// The figures each budget holds (the size test checks them against the files; bench:size reports them).
const budgets = {
  cdn: { files: [CDN], ...(await sizeOf([CDN])), budget: BUDGETS.cdn },
  autoloaderCall: { files: callPage, ...(await sizeOf(callPage)), budget: BUDGETS.autoloaderCall },
  core: { files: [], ...(await coreBundled()), budget: BUDGETS.core },
};
writeFileSync('dist/sizes.json', JSON.stringify({ budgets, chunks }, null, 2));
for (const [name, b] of Object.entries(budgets)) {
  const over = b.gzip > b.budget ? `, ${b.gzip - b.budget} B over` : '';
  console.log(`${name}: ${b.gzip} B gzip (budget ${b.budget}${over}; ceiling ${CEILINGS[name]}), ${b.brotli} B brotli${b.files.length > 1 ? `, ${b.files.length} files` : ''}`);
}
// The demo loads the very files a CDN serves (the one file, or the autoloader with ?autoload).
cpSync(CDN, 'dist/demo/jsongle-elements.min.js');
cpSync(AUTOLOADER, 'dist/demo/autoloader.js');
cpSync('dist/chunks', 'dist/demo/chunks', { recursive: true });
