// Call set-up benchmark: what a person feels between pressing Call or Accept and talking, in a real
// browser (Debian's Chromium via puppeteer-core, fake camera and microphone), through the elements
// and the real server on 127.0.0.1, beside a baseline in the same run: two RTCPeerConnections in one
// page exchanging offer, answer and candidates directly (first offer → both connected).
// Ours, per round: call() → ringing on the callee; call() → both active; Accept → both active.
// Rounds alternate baseline and ours; figures are medians. Bounded: every wait has a time limit.
// Usage: npm run bench:setup       (20 rounds each)
//        BENCH_SCALE=smoke npm run bench:setup   (1 round each: npm test's check that it still runs)
//        BENCH_TIMELINE=1 npm run bench:setup    (also: when each step happens, ms after Accept, medians)
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Page } from 'puppeteer-core';
import { createServer } from '../server/index.ts';
import { log, median, root } from './harness.ts';

const smoke = process.env.BENCH_SCALE === 'smoke';
const ROUNDS = smoke ? 1 : Number(process.env.BENCH_ROUNDS) || 20;
const TIMELINE = !!process.env.BENCH_TIMELINE;
const WAIT = 20_000;
const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required', '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

const bundle = join(root, 'dist/demo/jsongle-elements.min.js');
if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`node scripts/build.mjs\` (npm run bench does)`);

const server = await createServer({
  port: 0, host: '127.0.0.1', logLevel: 'none', staticDirs: [join(root, 'bench/setup-page'), join(root, 'dist/demo')],
});
const profile = mkdtempSync(join(tmpdir(), 'jsongle-bench-setup-'));
const browser = await puppeteer.launch({ executablePath: CHROME, headless: true, args: ARGS, userDataDir: profile, timeout: WAIT, protocolTimeout: 60_000 });
const browserVersion = await browser.version();

/** Waits until `fn` is true in the page; fails naming `what`. */
async function until(page: Page, what: string, fn: () => unknown) {
  try {
    await page.waitForFunction(fn, { timeout: WAIT, polling: 20 });
  } catch (e) {
    throw new Error(`${what}: not within ${WAIT} ms (${(e as Error).message.split('\n')[0]})`);
  }
}

async function open(query: string) {
  const page = await browser.newPage({ type: 'window' } as any);
  page.setDefaultTimeout(WAIT);
  await page.goto(`${server.url}/?${query}`, { waitUntil: 'load' });
  return page;
}

const samples = { baseline: [] as number[], ringing: [] as number[], callToActive: [] as number[], acceptToActive: [] as number[], acceptToProceeded: [] as number[] };
/** BENCH_TIMELINE: step → its times after Accept (ms), one per round. */
const timeline: Record<string, number[]> = {};
/** BENCH_TIMELINE: Accept → both active cut into what follows what (ms, one per round): from the last of `from` to the last of `to`. */
const PHASES: [string, string[], string[]][] = [
  ['callee opens its devices (getUserMedia)', ['bob: accept'], ['bob: getUserMedia done']],
  ['devices open → proceed sent', ['bob: getUserMedia done'], ['bob: sent session-proceed']],
  ['proceed through the server', ['bob: sent session-proceed'], ['alice: received session-proceed']],
  ['caller: proceed → offer sent (session-initiate)', ['alice: received session-proceed'], ['alice: sent session-initiate']],
  ['offer through the server', ['alice: sent session-initiate'], ['bob: received session-initiate']],
  ['callee: offer → answer sent (session-accept)', ['bob: received session-initiate'], ['bob: sent session-accept']],
  ['answer through the server', ['bob: sent session-accept'], ['alice: received session-accept']],
  ['caller: answer → set', ['alice: received session-accept'], ['alice: remote answer set']],
  ['ICE + DTLS → both connected', ['alice: remote answer set'], ['alice: connection connected', 'bob: connection connected']],
  ['both connected → both active (session-info active both ways)', ['alice: connection connected', 'bob: connection connected'], ['alice: active', 'bob: active']],
];
const phases: Record<string, number[]> = {};
const started = Date.now();
try {
  const base = await open('baseline');
  await until(base, 'the baseline page ready', () => typeof (window as any).baseline === 'function');
  const steps = TIMELINE ? '&timeline' : '';
  const [alice, bob] = [await open(`user=alice&peer=bob${steps}`), await open(`user=bob&peer=alice${steps}`)];
  for (const [page, who] of [[alice, 'alice'], [bob, 'bob']] as const) await until(page, `${who} registered`, () => (window as any).ready?.());

  const baseline = async () => {
    samples.baseline.push(await base.evaluate(() => (window as any).baseline()));
  };
  const ours = async () => {
    await Promise.all([alice, bob].map((p) => p.evaluate(() => (window as any).reset())));
    await alice.evaluate(() => (window as any).place());
    for (const [page, who] of [[alice, 'alice'], [bob, 'bob']] as const) await until(page, `${who}: active on both sides`, () => (window as any).marks.active);
    const [a, b] = await Promise.all([alice, bob].map((p) => p.evaluate(() => (window as any).marks)));
    const active = Math.max(a.active, b.active);
    samples.ringing.push(b.ringing - a.call);
    samples.callToActive.push(active - a.call);
    samples.acceptToActive.push(active - b.accept);
    samples.acceptToProceeded.push(b.proceeded - b.accept);
    if (TIMELINE) {
      const at: Record<string, number> = {};
      for (const [page, who] of [[alice, 'alice'], [bob, 'bob']] as const) {
        const steps: Record<string, number> = await page.evaluate(() => ({ ...(window as any).steps, ...(window as any).marks }));
        for (const [name, t] of Object.entries(steps)) (timeline[`${who}: ${name}`] ??= []).push((at[`${who}: ${name}`] = t) - b.accept);
      }
      for (const [phase, from, to] of PHASES) {
        const span = Math.max(...to.map((k) => at[k])) - Math.max(...from.map((k) => at[k]));
        if (Number.isFinite(span)) (phases[phase] ??= []).push(span);
      }
    }
    await alice.evaluate(() => (document.getElementById('call') as any).hangup());
    for (const [page, who] of [[alice, 'alice'], [bob, 'bob']] as const) await until(page, `${who}: call ended`, () => (window as any).marks.ended);
    // The element releases the camera once the call has ended; the next call opens it again.
    await until(alice, 'alice idle', () => !(document.getElementById('call') as any).currentCall || (document.getElementById('call') as any).state === 'ended');
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (const run of r % 2 ? [ours, baseline] : [baseline, ours]) await run();
    log(`setup round ${r + 1}/${ROUNDS}: baseline ${samples.baseline.at(-1)!.toFixed(1)} ms, ours call → ringing ${samples.ringing.at(-1)!.toFixed(1)}, call → active ${samples.callToActive.at(-1)!.toFixed(1)}, accept → active ${samples.acceptToActive.at(-1)!.toFixed(1)} ms`);
  }
} finally {
  await Promise.race([browser.close(), new Promise((r) => setTimeout(r, 5000))]);
  browser.process()?.kill('SIGKILL');
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}

const ms = (xs: number[]) => Number(median(xs).toFixed(1));
const baselineMs = ms(samples.baseline);
const figures = {
  ringingMs: ms(samples.ringing), callToActiveMs: ms(samples.callToActive), acceptToActiveMs: ms(samples.acceptToActive),
  /** Of Accept → both active: until the callee proceeds, its camera and microphone opened. */
  acceptToProceededMs: ms(samples.acceptToProceeded),
};
const report = {
  benchmark: 'setup',
  command: smoke ? 'BENCH_SCALE=smoke npm run bench:setup' : 'npm run bench:setup',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, browser: browserVersion },
  rounds: ROUNDS,
  seconds: Math.round((Date.now() - started) / 1000),
  baseline: { offerToConnectedMs: baselineMs },
  ours: figures,
  ratio: { acceptToActive: Number((figures.acceptToActiveMs / baselineMs).toFixed(2)), callToActive: Number((figures.callToActiveMs / baselineMs).toFixed(2)) },
  target: { acceptToActiveMaxMs: Number((baselineMs + 20).toFixed(1)), met: figures.acceptToActiveMs <= baselineMs + 20 },
  samples,
  ...(TIMELINE ? {
    phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, ms(v)])),
    timeline: Object.fromEntries(Object.entries(timeline).map(([k, v]) => [k, ms(v)]).sort((a, b) => (a[1] as number) - (b[1] as number))),
  } : {}),
};

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
console.log([
  row(['call set-up (median ms)', 'baseline', 'ours', 'ratio']),
  row(['---', '---:', '---:', '---:']),
  row(['first offer → both connected (baseline) / Accept → both active', baselineMs, figures.acceptToActiveMs, report.ratio.acceptToActive]),
  row(['call() → both active', '', figures.callToActiveMs, report.ratio.callToActive]),
  row(['call() → ringing on the callee', '', figures.ringingMs, '']),
  row(['of Accept → active: Accept → proceeded (callee devices open)', '', figures.acceptToProceededMs, '']),
].join('\n'));
if (TIMELINE) {
  console.log(['', row(['Accept → both active, phase by phase (medians, ms)', 'ms']), row(['---', '---:']),
    ...Object.entries(report.phases!).map(([k, v]) => row([k, v as number]))].join('\n'));
  console.log(['', row(['step (median ms after Accept)', 'ms']), row(['---', '---:']),
    ...Object.entries(report.timeline!).map(([k, v]) => row([k, v as number]))].join('\n'));
}
console.log(JSON.stringify(report, null, 2));
