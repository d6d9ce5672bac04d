// The esbuild options every bundle shares, the files a browser downloads from a CDN, and their
// budgets: one definition for the build (scripts/build.mjs), the size test and the size benchmark
// (bench/size.mjs).
import { build } from 'esbuild';
import { minifyHTMLLiterals } from 'minify-literals';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { minify as terser } from 'terser';

/**
 * esbuild keeps template literals as written: lit's css`` and html`` templates of our elements are
 * minified by minify-literals (lightningcss for CSS, html-minifier-next for HTML), expressions kept.
 */
function minifyLiteralsPlugin() {
  return {
    name: 'minify-literals',
    setup(b) {
      b.onLoad({ filter: /components\/.*\.ts$/ }, async ({ path }) => {
        const source = await readFile(path, 'utf8');
        // keepClosingSlash: an svg`` fragment is parsed as SVG, where `<rect/>` without its slash
        // would swallow the shapes after it (the icons lost their paths).
        const result = await minifyHTMLLiterals(source, { fileName: path, html: { keepClosingSlash: true } });
        return { contents: result?.code ?? source, loader: 'ts' };
      });
    },
  };
}

export const common = { bundle: true, format: 'esm', target: 'es2022', minify: true, sourcemap: true, legalComments: 'none', logLevel: 'warning', plugins: [minifyLiteralsPlugin()] };

/** The one-file CDN bundle: the main entry with lit and every dependency bundled in. */
export const CDN = 'dist/jsongle-elements.min.js';
export const cdnOptions = { ...common, entryPoints: ['components/index.ts'], outfile: CDN, platform: 'browser' };

/**
 * The autoloader and the chunks it imports (content-hashed names). What every element uses (lit, the
 * core, the base element: components/runtime.ts) is one chunk, built first; the elements' chunks
 * import those modules from it. esbuild alone would split that code by which elements use each
 * statement, into many small files that a browser fetches and decompresses one by one.
 */
export const AUTOLOADER = 'dist/autoloader.js';
export const RUNTIME = 'components/runtime.ts';
export const autoloaderOptions = {
  ...common, entryPoints: { autoloader: 'components/autoloader.ts' }, outdir: 'dist', splitting: true, platform: 'browser',
  entryNames: '[name]', chunkNames: 'chunks/[name]-[hash]',
};

/**
 * Builds the runtime chunk, then the autoloader and the elements' chunks; returns one metafile of
 * both. The runtime exports exactly what the chunks import from it (a name it does not have fails
 * the build), so the rest of it is minified like any module's inside.
 */
export async function buildAutoloader() {
  const all = await build({ ...common, entryPoints: [RUNTIME], outdir: 'dist/chunks', platform: 'browser', write: false, metafile: true });
  const shared = new Set(Object.keys(all.metafile.inputs).map((p) => resolve(p)));
  const probe = await build({ ...autoloaderOptions, write: false, plugins: [...common.plugins, fromRuntime(shared, 'runtime.js')] });
  const used = new Set();
  for (const f of probe.outputFiles.filter((o) => o.path.endsWith('.js'))) {
    for (const [, names] of f.text.matchAll(/import\s*\{([^}]*)\}\s*from\s*"\.\/(?:chunks\/)?runtime\.js"/g)) {
      for (const n of names.split(',')) used.add(n.trim().split(/\s+as\s+/)[0]);
    }
    if (/import\s*\(\s*"\.\/(?:chunks\/)?runtime\.js"\s*\)/.test(f.text)) used.add('registerTranslation'); // the autoloader's
  }
  used.delete('');
  const runtime = await buildForCdn({
    ...common, stdin: { contents: `export { ${[...used].sort().join(', ')} } from './${RUNTIME}';`, resolveDir: process.cwd(), sourcefile: 'runtime.ts', loader: 'ts' },
    outdir: 'dist/chunks', entryNames: 'runtime-[hash]', platform: 'browser',
  });
  const file = Object.keys(runtime.outputs).find((f) => f.endsWith('.js'));
  const name = file.split('/').at(-1);
  const meta = await buildForCdn({ ...autoloaderOptions, plugins: [...common.plugins, fromRuntime(shared, name)] });
  // The chunks import the runtime as an external module: in the metafile, it is one of their imports.
  for (const o of Object.values(meta.outputs)) {
    for (const i of o.imports ?? []) if (i.external && i.path.endsWith(name)) Object.assign(i, { path: file, external: false });
  }
  return { ...meta, inputs: { ...runtime.inputs, ...meta.inputs }, outputs: { ...runtime.outputs, ...meta.outputs } };
}

/** Resolves the runtime's modules to its file: `./name` from a chunk, `./chunks/name` from the autoloader. */
function fromRuntime(shared, name) {
  return {
    name: 'from-runtime',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === fromRuntime || args.kind === 'entry-point') return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: fromRuntime });
        // Others resolve as usual (a path a plugin returns would not get tsconfig.json's settings).
        if (r.errors.length || !shared.has(r.path)) return undefined;
        return { path: args.importer.endsWith('components/autoloader.ts') ? `./chunks/${name}` : `./${name}`, external: true };
      });
    },
  };
}

/** gzip -9 budgets (issue 18), in bytes. */
export const BUDGETS = {
  /** dist/jsongle-elements.min.js: all four elements, lit, the core and media. */
  cdn: 38 * 1024,
  /** Everything a page using only <jsongle-connection> and <jsongle-call> downloads through the autoloader. */
  autoloaderCall: 28 * 1024,
  /** jsongle-elements/core bundled with its dependencies (eventemitter3, uuid). */
  core: 10 * 1024,
};

/**
 * What each figure may not grow past meanwhile (gzip -9, bytes): the budgets above are not met by the
 * features this phase required (bench/README.md, "npm run bench:size"), and until they are decided
 * again, a change that makes a file larger than it is today fails the size test
 * (test/package/size.test.ts). Lower these when a change makes the files smaller.
 */
export const CEILINGS = {
  cdn: 50_900,
  autoloaderCall: 41_400,
  core: 13_700,
};

export const gzip = (code) => gzipSync(code, { level: 9 }).length;
export const brotli = (code) => brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

/**
 * Builds browser files for a CDN: esbuild, then terser (2 compress passes) on each JavaScript
 * output, keeping the source maps chained. Returns esbuild's metafile.
 */
export async function buildForCdn(options) {
  const result = await build({ ...options, write: false, metafile: true });
  const maps = new Map(result.outputFiles.filter((f) => f.path.endsWith('.map')).map((f) => [f.path, f.text]));
  for (const file of result.outputFiles) {
    if (!file.path.endsWith('.js')) continue;
    const name = file.path.split('/').at(-1);
    const out = await terser(file.text, {
      module: true, ecma: 2022, compress: { passes: 2 }, mangle: true,
      sourceMap: maps.has(`${file.path}.map`) ? { content: maps.get(`${file.path}.map`), url: `${name}.map` } : false,
    });
    await mkdir(dirname(file.path), { recursive: true });
    await writeFile(file.path, out.code);
    if (out.map) maps.set(`${file.path}.map`, out.map);
  }
  for (const [path, text] of maps) await writeFile(path, text);
  return result.metafile;
}

/** Size of the core as a bundler would ship it: src/index.ts with eventemitter3 and uuid, esbuild + terser. */
export async function coreBundled() {
  const result = await build({
    stdin: { contents: "export * from './src/index.ts'", resolveDir: process.cwd(), loader: 'ts' }, bundle: true, format: 'esm',
    target: 'es2022', minify: true, platform: 'neutral', mainFields: ['module', 'main'], write: false, logLevel: 'silent',
  });
  const out = await terser(result.outputFiles[0].text, { module: true, ecma: 2022, compress: { passes: 2 } });
  return { bytes: Buffer.byteLength(out.code), gzip: gzip(out.code), brotli: brotli(out.code) };
}

/** The output files a page downloads when it starts from `entries` (static imports followed). */
export function downloaded(metafile, entries) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of metafile.outputs[file]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
  };
  entries.forEach(visit);
  return [...seen];
}

/** The chunk each tag's dynamic import loads, read from the autoloader's metafile. */
export function tagChunks(metafile) {
  const out = {};
  for (const [file, o] of Object.entries(metafile.outputs)) {
    const m = o.entryPoint?.match(/components\/\w+\/jsongle-(\w+)\.ts$/);
    if (m) out[`jsongle-${m[1]}`] = file;
  }
  return out;
}

/** gzip and brotli sizes of a set of files, summed. */
export async function sizeOf(files) {
  let bytes = 0, gz = 0, br = 0;
  for (const f of files) {
    const code = await readFile(f);
    bytes += code.length;
    gz += gzip(code);
    br += brotli(code);
  }
  return { bytes, gzip: gz, brotli: br };
}
