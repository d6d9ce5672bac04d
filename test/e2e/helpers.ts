// End-to-end helpers: Debian's Chromium driven by puppeteer-core (fake camera and microphone), the
// real signaling server or a static-only HTTP server, and the demo pages built into dist/demo.
// Every wait is bounded; cleanup() closes what was opened even when a test failed half-way.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { createServer, type JsongleServer, type ServerOptions } from '../../server/index.ts';
import { httpHandler } from '../../server/http.ts';

export const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
/** The built demo, as `npm start` and the package serve it: pages, CDN file and demo.js in dist/demo. */
const BUILT = ['dist/demo'];
export const WAIT = 15_000;

const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required',
  // Tabs behind the front one must keep rendering (read receipts need the chat log on screen).
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
];

let staticDirs: string[] = [];
/**
 * Checks that the demo is built and copies it aside: the servers of these tests serve the copy, so
 * a build started meanwhile (it empties dist/) cannot pull the files from under a running test.
 */
export async function prepareDemo() {
  for (const file of ['dist/demo/jsongle-elements.min.js', 'dist/demo/autoloader.js', 'dist/demo/demo.js', 'dist/demo/index.html', 'dist/demo/serverless.html']) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`node scripts/build.mjs\` first (npm test does)`);
  }
  const root = await mkdtemp(join(tmpdir(), 'jsongle-e2e-site-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  staticDirs = await Promise.all(BUILT.map(async (dir, i) => {
    const copy = join(root, String(i));
    await cp(dir, copy, { recursive: true });
    return copy;
  }));
  // Each demo page also as `autoload-<page>`: the same page with the autoloader in place of the one
  // file (what a site owner changes to switch), so the suites can run both ways.
  for (const name of ['index.html', 'serverless.html']) {
    const html = await readFile(join(staticDirs[0], name), 'utf8');
    const swapped = html.replace('src="jsongle-elements.min.js"', 'src="autoloader.js"');
    if (swapped === html) throw new Error(`demo/${name} no longer loads jsongle-elements.min.js: update prepareDemo()`);
    await writeFile(join(staticDirs[0], `autoload-${name}`), swapped);
  }
}

/** The demo pages' two ways of loading the elements: the one CDN file, and the autoloader. */
export const LOADERS = [{ name: 'one file', prefix: '' }, { name: 'autoloader', prefix: 'autoload-' }] as const;

const cleanups: (() => unknown)[] = [];
/** Runs every cleanup registered so far, newest first, each bounded; never throws. */
export async function cleanup() {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await within(Promise.resolve().then(fn), 10_000, 'cleanup');
    } catch { /* best effort */ }
  }
}

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); }),
  ]);
}

/** Chromium, headless, with a fresh profile that is deleted afterwards. */
export async function launchBrowser(): Promise<Browser> {
  const dir = await mkdtemp(join(tmpdir(), 'jsongle-e2e-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const browser = await puppeteer.launch({
    executablePath: CHROME, headless: true, args: ARGS, userDataDir: dir, timeout: WAIT, protocolTimeout: 30_000,
    defaultViewport: { width: 1280, height: 800 },
  });
  cleanups.push(async () => {
    const proc = browser.process();
    try {
      await within(browser.close(), 5000, 'browser.close');
    } catch {
      proc?.kill('SIGKILL');
    }
  });
  return browser;
}

/** The real signaling server on a random port, serving the built demo. */
export async function startServer(options: Partial<ServerOptions> = {}): Promise<JsongleServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jsongle-e2e-'));
  const server = await within(createServer({ port: 0, host: '127.0.0.1', logLevel: 'none', staticDirs, dataDir, ...options }), 10_000, 'the signaling server listening');
  cleanups.push(async () => { await server.close(); rmSync(dataDir, { recursive: true, force: true }); });
  return server;
}

/** Static files only (the server's own HTTP handler, no WebSocket endpoint); counts upgrade attempts. */
export async function startStaticServer(): Promise<{ url: string; upgrades: () => number }> {
  let upgrades = 0;
  const http: Server = createHttpServer(httpHandler({ staticDirs, metrics: new Registry(), health: () => ({}) }));
  http.on('upgrade', (_req, socket) => {
    upgrades++;
    socket.destroy();
  });
  await within(new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve)), 10_000, 'the static server listening');
  cleanups.push(() => new Promise<void>((resolve) => { http.close(() => resolve()); http.closeAllConnections(); }));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, upgrades: () => upgrades };
}

const pages: Page[] = [];
/** Registers `fn` to run at cleanup() (newest first). */
export const onCleanup = (fn: () => unknown) => { cleanups.push(fn); };

/** Closes the pages opened so far (between tests; the browser stays). */
export async function closePages() {
  await Promise.all(pages.splice(0).map((p) => within(p.close(), 5000, 'page.close').catch(() => {})));
}

export interface DemoPage {
  page: Page;
  /** Page errors and console errors seen so far. */
  errors: string[];
  /** WebSockets the page opened (through the DevTools protocol). */
  websockets: string[];
}

/** A new tab on `url`; errors of the page are collected, and its WebSockets counted. */
export async function openPage(browser: Browser, url: string, options: { beforeLoad?: (page: Page) => Promise<unknown> } = {}): Promise<DemoPage> {
  // A window each, not a tab: a background tab is hidden and does not render, so it would never
  // see its chat messages on screen (read receipts) nor let puppeteer click.
  const page = await browser.newPage({ type: 'window' });
  pages.push(page);
  cleanups.push(() => page.close().catch(() => {}));
  page.setDefaultTimeout(WAIT);
  const errors: string[] = [];
  const websockets: string[] = [];
  page.on('pageerror', (e) => errors.push(String((e as Error)?.message ?? e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`${m.text()} ${m.location()?.url ?? ''}`); });
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  cdp.on('Network.webSocketCreated', (e) => websockets.push(e.url));
  await options.beforeLoad?.(page);
  await page.goto(url, { waitUntil: 'load', timeout: WAIT });
  return { page, errors, websockets };
}

/** Waits until `fn(arg)` is truthy in the page (it may be async); fails with `what` after `ms`. */
export async function until<A>(page: Page, what: string, fn: (arg: A) => unknown, arg?: A, ms = WAIT): Promise<void> {
  try {
    await page.waitForFunction(fn as any, { timeout: ms, polling: 100 }, arg as any);
  } catch (e) {
    throw new Error(`${what}: not within ${ms} ms (${(e as Error).message.split('\n')[0]})`);
  }
}

/** Types a name in the sign-in form and starts (once the page script is ready). */
export async function signIn(page: Page, name: string) {
  await until(page, 'the page script ready', () => (window as any).demo);
  await page.locator('#name').fill(name);
  await page.locator('#sign-in button[type="submit"]').click();
}

/** Signs in and waits until the client is registered with the server (or open, without one). */
export async function signInAndWait(page: Page, name: string) {
  await signIn(page, name);
  try {
    await until(page, `${name} registered`, () => {
      const client = (document.getElementById('connection') as any)?.client;
      return client && client.transport.state === 'open' && (client.registered || !client.server);
    });
  } catch (e) {
    const seen = await page.evaluate(() => ({
      href: location.href, state: document.getElementById('state')?.textContent, notice: document.getElementById('notice-text')?.textContent,
      error: document.getElementById('name-error')?.textContent, user: (document.getElementById('connection') as any)?.user,
    })).catch((x) => String(x));
    throw new Error(`${(e as Error).message}; the page: ${JSON.stringify(seen)}`);
  }
}

/** The trimmed text of `part` inside the shadow root of the element matched by `selector`. */
export const partText = (page: Page, selector: string, part: string) =>
  page.evaluate((selector, part) => {
    const host = document.querySelector(selector);
    return host?.shadowRoot?.querySelector(`[part~="${part}"]`)?.textContent?.trim() ?? null;
  }, selector, part);

/** Clicks `part` inside the shadow root of `selector` (a real click, through puppeteer). */
export async function clickPart(page: Page, selector: string, part: string) {
  await page.locator(`${selector} >>> [part~="${part}"]`).click();
}

/** Types `text` in `part` inside the shadow root of `selector`. */
export async function typeInPart(page: Page, selector: string, part: string, text: string) {
  await page.locator(`${selector} >>> [part~="${part}"]`).fill(text);
}

/** The call element's inbound RTP figures: video frames decoded and audio packets received. */
export const inbound = (page: Page) =>
  page.evaluate(async () => {
    const pc = (document.getElementById('call') as any)?.mediaSession?.pc as RTCPeerConnection | undefined;
    const out = { framesDecoded: 0, audioPackets: 0, videoPackets: 0 };
    if (!pc) return out;
    (await pc.getStats()).forEach((s: any) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') {
        out.framesDecoded += s.framesDecoded ?? 0;
        out.videoPackets += s.packetsReceived ?? 0;
      }
      if (s.kind === 'audio') out.audioPackets += s.packetsReceived ?? 0;
    });
    return out;
  });

/** Waits until the call element's peer has decoded video frames and received audio packets. */
export async function untilMediaFlows(page: Page, who: string, ms = WAIT) {
  const end = Date.now() + ms;
  for (;;) {
    const s = await inbound(page);
    if (s.framesDecoded > 0 && s.audioPackets > 0) return;
    if (Date.now() > end) throw new Error(`${who} decodes video and receives audio: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Parses a Prometheus text exposition into `name{labels}` → value. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_:][\w:]*(?:\{[^}]*\})?) ([\d.eE+-]+|NaN)$/.exec(line.trim());
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}
