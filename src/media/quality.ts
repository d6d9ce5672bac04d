// Live call quality: getStats() at most once a second, the E-model MOS (stats.ts) over the last
// 5 s of received audio, and 1–5 bars from it. A window with nothing received scores 1 (media broken).
import { EventEmitter } from 'eventemitter3';
import { estimateMos, routeOf, selectedPair, type Route } from './stats.ts';

export interface Quality {
  /** 1 (bad) … 5 (excellent). */
  bars: number;
  /** E-model MOS, 1…4.5. */
  mos: number;
  /** Round-trip time, ms. */
  rtt: number;
  /** Interarrival jitter of the received media, ms. */
  jitter: number;
  /** Fraction of packets lost over the window, 0…1. */
  packetLoss: number;
  route: Route | '';
}

/** MOS thresholds of 5, 4, 3 and 2 bars (G.107 Annex B's "very satisfied" … "many dissatisfied"). */
const BARS = [4.0, 3.6, 3.1, 2.6];
export function barsOf(mos: number): number {
  const i = BARS.findIndex((t) => mos >= t);
  return i === -1 ? 1 : 5 - i;
}

interface Sample { at: number; received: number; lost: number }

export class QualityMonitor extends EventEmitter<{ quality: (q: Quality) => void }> {
  #timer: ReturnType<typeof setInterval> | undefined;
  #samples: Sample[] = [];
  #busy = false;
  #last: Quality | null = null;

  constructor(readonly pc: RTCPeerConnection, readonly interval = 1000, readonly window = 5000) { super(); }

  get current(): Quality | null { return this.#last; }

  start() {
    if (this.#timer === undefined) this.#timer = setInterval(() => void this.#sample(), Math.max(1000, this.interval));
  }

  stop() {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.removeAllListeners();
  }

  async #sample() {
    if (this.#busy || this.pc.signalingState === 'closed') return; // a slow getStats() is never stacked
    this.#busy = true;
    try {
      const report = await this.pc.getStats();
      if (this.#timer === undefined) return;
      let received = 0;
      let lost = 0;
      let jitter = 0;
      let audio = false;
      report.forEach((s: any) => {
        if (s.type !== 'inbound-rtp') return;
        // Audio decides when there is some (the MOS is a voice figure); video only calls use video.
        if (s.kind === 'audio' && !audio) { audio = true; received = 0; lost = 0; }
        if (audio && s.kind !== 'audio') return;
        received += s.packetsReceived ?? 0;
        lost += Math.max(0, s.packetsLost ?? 0);
        jitter = Math.max(jitter, (s.jitter ?? 0) * 1000);
      });
      const now = Date.now();
      this.#samples.push({ at: now, received, lost });
      while (this.#samples.length > 1 && now - this.#samples[1].at >= this.window) this.#samples.shift();
      const first = this.#samples[0];
      const dReceived = received - first.received;
      const dLost = lost - first.lost;
      const pair = selectedPair(report);
      const rtt = ((pair?.currentRoundTripTime as number | undefined) ?? 0) * 1000;
      const flowing = this.#samples.length < 2 || dReceived > 0;
      const packetLoss = dReceived + dLost > 0 ? dLost / (dReceived + dLost) : 0;
      const mos = flowing ? estimateMos({ rtt, jitter, loss: packetLoss }) : 1;
      const q: Quality = { bars: barsOf(mos), mos, rtt, jitter, packetLoss, route: routeOf(report) ?? '' };
      this.#last = q;
      this.emit('quality', q);
    } catch { /* closed meanwhile */ } finally {
      this.#busy = false;
    }
  }
}
