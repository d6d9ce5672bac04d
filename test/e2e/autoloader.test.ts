// dist/autoloader.js: a page fetches the chunks of the tags it uses and nothing else, and the files
// it downloads are exactly those the size budget counts (dist/sizes.json, written by the build).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'puppeteer-core';
import { cleanup, closePages, launchBrowser, openPage, prepareDemo, startStaticServer, until } from './helpers.ts';

const sizes = JSON.parse(readFileSync('dist/sizes.json', 'utf8')) as {
  budgets: { autoloaderCall: { files: string[] } }; chunks: Record<string, string>;
};
/** dist/chunks/x.js → chunks/x.js, as the demo folder serves it. */
const served = (file: string) => file.replace(/^dist\//, '');

describe('autoloader', { timeout: 90_000 }, () => {
  let browser: Browser;
  let site: Awaited<ReturnType<typeof startStaticServer>>;
  before(async () => {
    await prepareDemo();
    site = await startStaticServer();
    browser = await launchBrowser();
  });
  after(cleanup);

  test('a page with only <jsongle-connection> and <jsongle-call> downloads their chunks, never the chat or dialer', async () => {
    const requested: string[] = [];
    const { page, errors } = await openPage(browser, `${site.url}/serverless.html`, {
      beforeLoad: async (p) => {
        p.on('request', (r) => { const u = new URL(r.url()); if (u.pathname.endsWith('.js')) requested.push(u.pathname.slice(1)); });
        // The page under test, in place of the demo: the two tags and the autoloader, nothing else.
        await p.setRequestInterception(true);
        p.on('request', (r) => {
          if (new URL(r.url()).pathname !== '/serverless.html') return void r.continue();
          r.respond({ contentType: 'text/html', body: `<!doctype html><html lang="en"><title>call only</title><link rel="icon" href="data:,">
            <script type="module" src="autoloader.js"></script>
            <jsongle-connection transport="broadcast-channel" user="ann"><jsongle-call></jsongle-call></jsongle-connection>` });
        });
      },
    });
    await until(page, 'both elements defined', () => !!customElements.get('jsongle-connection') && !!customElements.get('jsongle-call'));
    await until(page, 'the call element rendered', () => !!document.querySelector('jsongle-call')?.shadowRoot?.querySelector('[part]'));
    assert.equal(await page.evaluate(() => !!customElements.get('jsongle-chat') || !!customElements.get('jsongle-dialer')), false);
    for (const tag of ['jsongle-chat', 'jsongle-dialer']) assert.ok(!requested.includes(served(sizes.chunks[tag])), `${tag}'s chunk was not requested`);
    // What the budget counts is what the browser fetched: no more, no less.
    assert.deepEqual([...new Set(requested)].sort(), sizes.budgets.autoloaderCall.files.map(served).sort());
    assert.deepEqual(errors, []);
  });

  test('tags inside open shadow roots are defined, including roots attached after the autoloader ran', async () => {
    await closePages();
    const { page, errors } = await openPage(browser, `${site.url}/autoload-serverless.html`);
    await until(page, 'the demo defined its elements', () => !!customElements.get('jsongle-connection'));
    // A framework's component, defined after the page loaded: its root holds a dialer. (A string:
    // the test's own compiled functions carry helpers the page does not have.)
    await page.evaluate(`customElements.define('x-host', class extends HTMLElement {
      connectedCallback() { this.attachShadow({ mode: 'open' }).innerHTML = '<jsongle-dialer></jsongle-dialer>'; }
    });
    document.body.append(document.createElement('x-host'));`);
    await until(page, 'the dialer inside the shadow root defined', () => !!customElements.get('jsongle-dialer'));
    assert.equal(await page.evaluate(() => (document.querySelector('x-host')!.shadowRoot!.firstElementChild as any).constructor.name !== 'HTMLElement'), true);
    assert.deepEqual(errors, []);
  });
});
