// The build's template minifier (scripts/minify-templates.mjs): static CSS/HTML text shrinks,
// everything else — expressions, strings, other templates — stays byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
// @ts-expect-error: a plain .mjs build script without declarations
import { minifyCss, minifyHtml, minifyTemplates } from '../../scripts/minify-templates.mjs';

test('CSS: comments dropped, whitespace collapsed and removed around punctuation', () => {
  assert.equal(minifyCss(`
    /* why */
    :host { display: block; color: var(--x, #fff); }
    a > b,
    c { margin: 0 1px; }
  `), ' :host{display:block;color:var(--x,#fff)}a>b,c{margin:0 1px}');
});

test('HTML: every run of whitespace becomes one space', () => {
  assert.equal(minifyHtml('<p>\n    a   b\n  </p>'), '<p> a b </p>');
});

test('templates: static parts minified, expressions and nested templates kept, other literals untouched', () => {
  const source = [
    "const s = css`\n  a { color: red; }\n`;",
    'const h = html`<p>\n  ${x ? html`<b>\n  y</b>` : `plain\n  text`} ${"a `quoted` }   brace"}\n</p>`;',
    "// a comment with css` in it\nconst t = `untagged\n  kept`;",
  ].join('\n');
  assert.equal(minifyTemplates(source), [
    'const s = css` a{color:red}`;',
    'const h = html`<p> ${x ? html`<b> y</b>` : `plain\n  text`} ${"a `quoted` }   brace"} </p>`;',
    "// a comment with css` in it\nconst t = `untagged\n  kept`;",
  ].join('\n'));
});
