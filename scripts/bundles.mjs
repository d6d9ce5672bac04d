// The esbuild options every bundle shares, and the CDN file's: one definition for the build
// (scripts/build.mjs) and the size benchmark (bench/size.mjs).
import { minifyTemplatesPlugin } from './minify-templates.mjs';

export const common = { bundle: true, format: 'esm', target: 'es2022', minify: true, sourcemap: true, legalComments: 'none', logLevel: 'warning', plugins: [minifyTemplatesPlugin()] };

/** The CDN file: the main entry with lit and every dependency bundled in. */
export const CDN = 'dist/jsongle-elements.min.js';
export const cdnOptions = { ...common, entryPoints: ['components/index.ts'], outfile: CDN, platform: 'browser' };

/** Its budget (issue 6): lit + core + media + the four elements, gzip. */
export const CDN_BUDGET = 25 * 1024;
