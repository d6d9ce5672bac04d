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
