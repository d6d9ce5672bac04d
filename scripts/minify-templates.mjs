// An esbuild plugin that minifies the static text of lit's css`` and html`` templates in our own
// sources (esbuild leaves template literals as written). CSS: comments dropped, whitespace
// collapsed and removed around punctuation. HTML: every run of whitespace becomes one space (what
// the browser renders anyway; none of our templates has <pre> or <textarea> text). Expressions
// (`${…}`) are kept byte for byte, and templates nested in them are minified too.
import { readFile } from 'node:fs/promises';

/** Minifies the static CSS text between two expressions. */
export function minifyCss(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/ ?([{};,>]) ?/g, '$1')
    .replace(/;}/g, '}')
    .replace(/: /g, ':');
}

/** Collapses whitespace in the static HTML text between two expressions. */
export function minifyHtml(text) {
  return text.replace(/\s+/g, ' ');
}

/**
 * Returns `source` with the static parts of every css`…`/html`…` template minified. A small
 * scanner: it follows strings, comments and template literals (with their `${}` nesting), so that
 * a backtick inside a string or a comment never starts a template. It does not know regular
 * expression literals: a regex with a quote, a backtick or a brace inside a `${}` of a template
 * would mislead it (none of ours has one; the browser tests run the unminified sources, the
 * end-to-end tests the minified CDN file).
 */
export function minifyTemplates(source) {
  let out = '';
  const n = source.length;

  // Copies a quoted string starting at i (the quote) to out; returns the index after it.
  const copyString = (at) => {
    const quote = source[at];
    let j = at + 1;
    while (j < n && source[j] !== quote) j += source[j] === '\\' ? 2 : 1;
    out += source.slice(at, j + 1);
    return j + 1;
  };

  // Scans JS code from `at` until an unmatched `}` (inside `${}`) or the end; returns the index
  // of that `}` (or n). Copies what it scans to out.
  const scanCode = (at, inExpression) => {
    let depth = 0;
    let j = at;
    while (j < n) {
      const c = source[j];
      if (c === '"' || c === "'") { j = copyString(j); continue; }
      if (c === '/' && source[j + 1] === '/') {
        const end = source.indexOf('\n', j);
        const stop = end === -1 ? n : end;
        out += source.slice(j, stop);
        j = stop;
        continue;
      }
      if (c === '/' && source[j + 1] === '*') {
        const stop = source.indexOf('*/', j + 2) + 2;
        out += source.slice(j, stop);
        j = stop;
        continue;
      }
      if (c === '`') {
        const tag = /\b(css|html)\s*$/.exec(source.slice(Math.max(0, j - 8), j));
        j = scanTemplate(j, tag ? (tag[1] === 'css' ? minifyCss : minifyHtml) : null);
        continue;
      }
      if (c === '{') depth++;
      if (c === '}') {
        if (inExpression && depth === 0) return j;
        depth--;
      }
      out += c;
      j++;
    }
    return j;
  };

  // Copies the template literal starting at the backtick `at`, minifying its static parts with
  // `minify` (or none); returns the index after the closing backtick.
  const scanTemplate = (at, minify) => {
    out += '`';
    let j = at + 1;
    let text = '';
    const flush = () => { out += minify ? minify(text) : text; text = ''; };
    while (j < n) {
      const c = source[j];
      if (c === '\\') { text += source.slice(j, j + 2); j += 2; continue; }
      if (c === '`') { flush(); out += '`'; return j + 1; }
      if (c === '$' && source[j + 1] === '{') {
        flush();
        out += '${';
        j = scanCode(j + 2, true);
        out += '}';
        j++;
        continue;
      }
      text += c;
      j++;
    }
    flush();
    return j;
  };

  scanCode(0, false);
  return out;
}

/** The esbuild plugin: applies minifyTemplates to our components' TypeScript sources. */
export function minifyTemplatesPlugin() {
  return {
    name: 'minify-templates',
    setup(build) {
      build.onLoad({ filter: /[\\/]components[\\/].*\.ts$/ }, async (args) => ({
        contents: minifyTemplates(await readFile(args.path, 'utf8')),
        loader: 'ts',
      }));
    },
  };
}
