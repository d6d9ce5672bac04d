// Call quality from RTCPeerConnection.getStats(): the route of the selected candidate pair and a
// MOS estimate from the ITU-T G.107 E-model. The quality functions are pure, for unit tests.
import type { Metrics } from '../protocol/messages.ts';

export type Route = 'host' | 'srflx' | 'relay';

/** Network figures the MOS is computed from. */
export interface QualityInputs {
  /** Round-trip time, ms. */
  rtt: number;
  /** Interarrival jitter of the received audio, ms. */
  jitter: number;
  /** Fraction of received packets lost, 0…1. */
  loss: number;
}

/*
 * The E-model (ITU-T G.107), reduced to what a browser can measure.
 *
 *   R = R0 − Idd(Ta) − Ie,eff
 *
 * - R0 = 93.2: G.107's default rating (Ro − Is with every default parameter). Talker and listener
 *   echo (Idte, Idle) are taken as 0: WebRTC cancels echo.
 * - Ta, the one-way mouth-to-ear delay in ms: Ta = RTT / 2 + 2 × jitter (the jitter buffer holds
 *   about twice the jitter) + 20 ms (one Opus frame of packetization and codec delay).
 * - Idd, the delay impairment (G.107 §7.2.4, with mT = 100 ms):
 *     Ta ≤ 100: Idd = 0
 *     Ta > 100: X = log2(Ta / 100); Idd = 25 × ((1 + X⁶)^⅙ − 3 × (1 + (X / 3)⁶)^⅙ + 2)
 * - Ie,eff, the equipment impairment under packet loss (G.107 §7.2.5):
 *     Ie,eff = Ie + (95 − Ie) × Ppl / (Ppl / BurstR + Bpl)
 *   with Ppl the loss in percent, BurstR = 1 (random loss), and the codec constants Ie = 0 and
 *   Bpl = 25.1, G.113 Appendix I's values for G.711 with packet loss concealment: G.107 has no
 *   values for Opus, and G.711+PLC is the conservative, commonly used stand-in.
 * - MOS from R (G.107 Annex B): R ≤ 0 → 1; R ≥ 100 → 4.5;
 *   otherwise MOS = 1 + 0.035 R + 7·10⁻⁶ × R × (R − 60) × (100 − R).
 *
 * A perfect network gives R = 93.2, MOS ≈ 4.41; 5 % random loss gives MOS ≈ 3.92; 400 ms of RTT
 * with no loss gives MOS ≈ 4.3.
 */
export const E_MODEL = { R0: 93.2, codecDelay: 20, jitterBufferFactor: 2, mT: 100, Ie: 0, Bpl: 25.1, BurstR: 1 } as const;

/** One-way mouth-to-ear delay, ms. */
export const mouthToEar = ({ rtt, jitter }: Pick<QualityInputs, 'rtt' | 'jitter'>) =>
  Math.max(0, rtt) / 2 + E_MODEL.jitterBufferFactor * Math.max(0, jitter) + E_MODEL.codecDelay;

/** G.107 delay impairment Idd for a one-way delay `ta` in ms. */
export function delayImpairment(ta: number): number {
  if (!(ta > E_MODEL.mT)) return 0;
  const x = Math.log2(ta / E_MODEL.mT);
  return 25 * ((1 + x ** 6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2);
}

/** G.107 effective equipment impairment for a loss fraction 0…1. */
export function lossImpairment(loss: number): number {
  const ppl = Math.min(100, Math.max(0, loss * 100));
  const { Ie, Bpl, BurstR } = E_MODEL;
  return Ie + ((95 - Ie) * ppl) / (ppl / BurstR + Bpl);
}

export function rFactor(q: QualityInputs): number {
  return E_MODEL.R0 - delayImpairment(mouthToEar(q)) - lossImpairment(q.loss);
}

export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
}

/** The MOS estimate (1…4.5, two decimals). */
export const estimateMos = (q: QualityInputs): number => Math.round(mosFromR(rFactor(q)) * 100) / 100;

// ---- reading a stats report ------------------------------------------------------------------

type Stat = Record<string, any>;
type Report = Pick<RTCStatsReport, 'forEach' | 'get'> | Map<string, Stat>;

const all = (report: Report): Stat[] => {
  const out: Stat[] = [];
  report.forEach((s: Stat) => out.push(s));
  return out;
};

/** The selected candidate pair: the transport's selectedCandidatePairId, else a nominated succeeded pair. */
export function selectedPair(report: Report): Stat | undefined {
  const stats = all(report);
  for (const t of stats) {
    if (t.type === 'transport' && t.selectedCandidatePairId) {
      const pair = report.get(t.selectedCandidatePairId);
      if (pair) return pair;
    }
  }
  return stats.find((s) => s.type === 'candidate-pair' && (s.selected || (s.nominated && s.state === 'succeeded')));
}

/**
 * The route of the selected pair: `relay` when either end is a TURN relay, else `srflx` when our
 * end is server- or peer-reflexive (we are behind a NAT), else `host`. The remote end's `prflx`
 * is not used: it only means its candidate arrived after the connectivity check.
 */
export function routeOf(report: Report): Route | undefined {
  const pair = selectedPair(report);
  if (!pair) return undefined;
  const local = report.get(pair.localCandidateId) as Stat | undefined;
  const remote = report.get(pair.remoteCandidateId) as Stat | undefined;
  if (local?.candidateType === 'relay' || remote?.candidateType === 'relay') return 'relay';
  if (local?.candidateType === 'srflx' || local?.candidateType === 'prflx' || remote?.candidateType === 'srflx') return 'srflx';
  return local ? 'host' : undefined;
}

/** RTT, jitter and loss of the received media (audio first, video for a video-only call). */
export function qualityOf(report: Report): QualityInputs | undefined {
  const stats = all(report);
  const pair = selectedPair(report);
  const inbound = stats.find((s) => s.type === 'inbound-rtp' && s.kind === 'audio') ?? stats.find((s) => s.type === 'inbound-rtp');
  if (!pair || !inbound) return undefined;
  const remoteIn = stats.find((s) => s.type === 'remote-inbound-rtp' && typeof s.roundTripTime === 'number');
  const rttSeconds = typeof pair.currentRoundTripTime === 'number' ? pair.currentRoundTripTime
    : typeof pair.totalRoundTripTime === 'number' && pair.responsesReceived ? pair.totalRoundTripTime / pair.responsesReceived
      : remoteIn?.roundTripTime ?? 0;
  const lost = Math.max(0, inbound.packetsLost ?? 0);
  const received = inbound.packetsReceived ?? 0;
  return {
    rtt: rttSeconds * 1000,
    jitter: (inbound.jitter ?? 0) * 1000,
    loss: received + lost > 0 ? lost / (received + lost) : 0,
  };
}

/** The figures reportMetrics() sends at the end of a call. */
export function callMetrics(report: Report | undefined, facts: { duration: number; error?: string; ua?: string }): Metrics {
  const metrics: Metrics = { duration: Math.round(facts.duration * 1000) / 1000 };
  if (report) {
    const route = routeOf(report);
    if (route) metrics.route = route;
    const quality = qualityOf(report);
    if (quality) metrics.mos = estimateMos(quality);
  }
  if (facts.ua) metrics.ua = facts.ua;
  if (facts.error) metrics.error = facts.error;
  return metrics;
}
