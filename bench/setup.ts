// Call set-up benchmark: what a person feels between pressing Call or Accept and talking, in a real
// browser (Debian's Chromium via puppeteer-core, fake camera and microphone), through the elements
// and the real server on 127.0.0.1, beside a baseline in the same run: two RTCPeerConnections in one
// page exchanging offer, answer and candidates directly (first offer → both connected).
// Ours, per round: call() → ringing on the callee; Accept → both calls active (each side's own
// state: its connection is up, the baseline's end point), → both told so by the peer
// (is-active-both-side), → the first remote video frame on both sides; call() → both active (less
// the ring). The callee presses Accept BENCH_RING_MS (500) after it rings, as a person would: the
// caller's page has settled by then (0: in the same task as the ring, as this bench did before).
// Rounds alternate baseline and ours; figures are medians. Bounded: every wait has a time limit.
// Usage: npm run bench:setup       (20 rounds each)
//        BENCH_SCALE=smoke npm run bench:setup   (1 round each: npm test's check that it still runs)
//        BENCH_TIMELINE=1 npm run bench:setup    (also: when each step happens, ms after Accept, medians)
//        BENCH_RING_MS=0 npm run bench:setup     (Accept at once)
//        BENCH_MEDIA=audio npm run bench:setup   (audio calls, the baseline with audio tracks only; no video frame)
//        BENCH_BEFORE=/other/checkout/dist/demo  (also that build's elements, in the same rounds: before/after)
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Page } from 'puppeteer-core';
import { createServer } from '../server/index.ts';
import { log, median, root } from './harness.ts';

const smoke = process.env.BENCH_SCALE === 'smoke';
const ROUNDS = smoke ? 1 : Number(process.env.BENCH_ROUNDS) || 20;
const TIMELINE = !!process.env.BENCH_TIMELINE;
/** How long the callee rings before Accept (ms): a person's, so that the caller's page has settled. */
const RING = process.env.BENCH_RING_MS === undefined ? 500 : Number(process.env.BENCH_RING_MS);
/** Another build's dist/demo: its pages take turns with ours and the baseline, in the same browser. */
const BEFORE = process.env.BENCH_BEFORE;
/** The media of the calls and of the baseline's tracks. */
const MEDIA = process.env.BENCH_MEDIA === 'audio' ? 'audio' : 'video';
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

const serve = (dist: string) => createServer({ port: 0, host: '127.0.0.1', logLevel: 'none', staticDirs: [join(root, 'bench/setup-page'), dist] });
const server = await serve(join(root, 'dist/demo'));
const beforeServer = BEFORE ? await serve(BEFORE) : null;
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

async function open(query: string, url = server.url) {
  const page = await browser.newPage({ type: 'window' } as any);
  page.setDefaultTimeout(WAIT);
  await page.goto(`${url}/?${query}`, { waitUntil: 'load' });
  return page;
}

const series = () => ({
  ringing: [] as number[], callToActive: [] as number[], acceptToActive: [] as number[],
  acceptToBothSide: [] as number[], acceptToFrame: [] as number[], acceptToDevices: [] as number[],
});
const samples = { baseline: [] as number[], ...series() };
const before = series();
/** BENCH_TIMELINE: step → its times after Accept (ms), one per round. */
const timeline: Record<string, number[]> = {};
/** BENCH_TIMELINE: Accept → both active cut into what follows what (ms, one per round): from the last of `from` to the last of `to`. */
const PHASES: [string, string[], string[]][] = [
  ['Accept → proceed sent', ['bob: accept'], ['bob: sent session-proceed']],
  ['proceed through the server', ['bob: sent session-proceed'], ['alice: received session-proceed']],
  ['caller: proceed → offer sent (session-initiate)', ['alice: received session-proceed'], ['alice: sent session-initiate']],
  ['offer through the server', ['alice: sent session-initiate'], ['bob: received session-initiate']],
  ['callee: offer → answer sent (session-accept)', ['bob: received session-initiate'], ['bob: sent session-accept']],
  ['answer through the server', ['bob: sent session-accept'], ['alice: received session-accept']],
  ['caller: answer → set', ['alice: received session-accept'], ['alice: remote answer set']],
  ['ICE + DTLS → both connected', ['alice: remote answer set'], ['alice: connection connected', 'bob: connection connected']],
  ['both connected → both active (own state)', ['alice: connection connected', 'bob: connection connected'], ['alice: own', 'bob: own']],
  ['both active → both told (session-info active both ways)', ['alice: own', 'bob: own'], ['alice: active', 'bob: active']],
  ['(beside) callee: Accept → devices open (getUserMedia)', ['bob: accept'], ['bob: getUserMedia done']],
  ['(beside) callee: devices open → tracks on the answered transceivers', ['bob: getUserMedia done'], ['bob: devices attached']],
];
const phases: Record<string, number[]> = {};
const started = Date.now();
try {
  const base = await open(`baseline&media=${MEDIA}`);
  await until(base, 'the baseline page ready', () => typeof (window as any).baseline === 'function');
  const steps = `${TIMELINE ? '&timeline' : ''}&ring=${RING}&media=${MEDIA}`;
  const pair = async (url = server.url) => {
    const pages = [await open(`user=alice&peer=bob${steps}`, url), await open(`user=bob&peer=alice${steps}`, url)] as const;
    for (const [page, who] of [[pages[0], 'alice'], [pages[1], 'bob']] as const) await until(page, `${who} registered`, () => (window as any).ready?.());
    return pages;
  };
  const [alice, bob] = await pair();
  const earlier = beforeServer ? await pair(beforeServer.url) : null;

  const baseline = async () => {
    samples.baseline.push(await base.evaluate(() => (window as any).baseline()));
  };
  const call = async (alice: Page, bob: Page, into: ReturnType<typeof series>, steps: boolean) => {
    await Promise.all([alice, bob].map((p) => p.evaluate(() => (window as any).reset())));
    await alice.evaluate(() => (window as any).place());
    for (const [page, who] of [[alice, 'alice'], [bob, 'bob']] as const) await until(page, `${who}: active on both sides`, () => (window as any).marks.active);
    // The element's video shows the first frame a little after `active`: wait for it (bounded).
    if (MEDIA === 'video') for (const [page, who] of [[alice, 'alice'], [bob, 'bob']] as const) await until(page, `${who}: first remote video frame`, () => (window as any).marks.frame);
    const [a, b] = await Promise.all([alice, bob].map((p) => p.evaluate(() => (window as any).marks)));
    into.ringing.push(b.ringing - a.call);
    into.callToActive.push(Math.max(a.own, b.own) - a.call - (b.accept - b.ringing));
    into.acceptToActive.push(Math.max(a.own, b.own) - b.accept);
    into.acceptToBothSide.push(Math.max(a.active, b.active) - b.accept);
    if (MEDIA === 'video') into.acceptToFrame.push(Math.max(a.frame, b.frame) - b.accept);
    into.acceptToDevices.push(b.devices - b.accept);
    if (steps) {
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
  const ours = () => call(alice, bob, samples, TIMELINE);
  const runs = [baseline, ours, ...(earlier ? [() => call(earlier[0], earlier[1], before, false)] : [])];
  for (let r = 0; r < ROUNDS; r++) {
    for (const run of [...runs.slice(r % runs.length), ...runs.slice(0, r % runs.length)]) await run();
    log(`setup round ${r + 1}/${ROUNDS}: baseline ${samples.baseline.at(-1)!.toFixed(1)} ms, ours call → ringing ${samples.ringing.at(-1)!.toFixed(1)}, call → active ${samples.callToActive.at(-1)!.toFixed(1)}, accept → active ${samples.acceptToActive.at(-1)!.toFixed(1)} ms`);
  }
} finally {
  await Promise.race([browser.close(), new Promise((r) => setTimeout(r, 5000))]);
  browser.process()?.kill('SIGKILL');
  await server.close();
  await beforeServer?.close();
  rmSync(profile, { recursive: true, force: true });
}

const ms = (xs: number[]) => Number(median(xs).toFixed(1));
const baselineMs = ms(samples.baseline);
const figuresOf = (x: ReturnType<typeof series>) => ({
  ringingMs: ms(x.ringing), callToActiveMs: ms(x.callToActive),
  /** Accept → both calls active, each side's own state (its connection up): the target's figure. */
  acceptToActiveMs: ms(x.acceptToActive),
  /** Accept → both sides told by the peer too (`is-active-both-side`: one more hop). */
  acceptToBothSideMs: ms(x.acceptToBothSide),
  /** Accept → the first remote video frame presented on both sides. */
  acceptToFrameMs: x.acceptToFrame.length ? ms(x.acceptToFrame) : null,
  /** Accept → the callee's camera and microphone open (beside the negotiation). */
  acceptToDevicesMs: ms(x.acceptToDevices),
});
const figures = figuresOf(samples);
const beforeFigures = BEFORE ? figuresOf(before) : null;
const report = {
  benchmark: 'setup',
  command: `${smoke ? 'BENCH_SCALE=smoke ' : ''}${MEDIA === 'audio' ? 'BENCH_MEDIA=audio ' : ''}npm run bench:setup`,
  media: MEDIA,
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, browser: browserVersion },
  rounds: ROUNDS,
  ringMs: RING,
  seconds: Math.round((Date.now() - started) / 1000),
  baseline: { offerToConnectedMs: baselineMs },
  ours: figures,
  ...(beforeFigures ? { before: { dist: BEFORE, ...beforeFigures } } : {}),
  ratio: { acceptToActive: Number((figures.acceptToActiveMs / baselineMs).toFixed(2)), callToActive: Number((figures.callToActiveMs / baselineMs).toFixed(2)) },
  target: { acceptToActiveMaxMs: Number((baselineMs + 20).toFixed(1)), met: figures.acceptToActiveMs <= baselineMs + 20 },
  samples: BEFORE ? { ...samples, before } : samples,
  ...(TIMELINE ? {
    phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, ms(v)])),
    timeline: Object.fromEntries(Object.entries(timeline).map(([k, v]) => [k, ms(v)]).sort((a, b) => (a[1] as number) - (b[1] as number))),
  } : {}),
};

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const b = beforeFigures;
/** [label, key, with the baseline and the ratio] */
const ROWS: [string, keyof typeof figures, boolean][] = [
  ['first offer → both connected (baseline) / Accept → both active (target)', 'acceptToActiveMs', true],
  ['Accept → both told active (is-active-both-side)', 'acceptToBothSideMs', false],
  ['Accept → first remote video frame on both sides', 'acceptToFrameMs', false],
  ['Accept → callee devices open (beside the negotiation)', 'acceptToDevicesMs', false],
  ['call() → both active (less the ring)', 'callToActiveMs', false],
  ['call() → ringing on the callee', 'ringingMs', false],
];
console.log([
  row(['call set-up (median ms)', 'baseline', ...(b ? ['before'] : []), 'ours', 'ratio']),
  row(['---', '---:', ...(b ? ['---:'] : []), '---:', '---:']),
  ...ROWS.filter(([, k]) => figures[k] !== null).map(([label, k, vs]) => row([label, vs ? baselineMs : '', ...(b ? [b[k] ?? ''] : []), figures[k]!, vs ? Number((figures[k]! / baselineMs).toFixed(2)) : ''])),
].join('\n'));
if (TIMELINE) {
  console.log(['', row(['Accept → both active, phase by phase (medians, ms)', 'ms']), row(['---', '---:']),
    ...Object.entries(report.phases!).map(([k, v]) => row([k, v as number]))].join('\n'));
  console.log(['', row(['step (median ms after Accept)', 'ms']), row(['---', '---:']),
    ...Object.entries(report.timeline!).map(([k, v]) => row([k, v as number]))].join('\n'));
}
console.log(JSON.stringify(report, null, 2));
