// The E-model MOS and the route, from figures and stats reports written out by hand.
import { expect } from '@open-wc/testing';
import {
  callMetrics, delayImpairment, estimateMos, lossImpairment, mosFromR, mouthToEar, qualityOf, rFactor, routeOf,
} from '../../src/media/stats.ts';

const report = (entries: Record<string, any>[]) => new Map(entries.map((e) => [e.id, e]));
const pair = (local: string, remote: string, extra: Record<string, any> = {}) => report([
  { id: 'T', type: 'transport', selectedCandidatePairId: 'P' },
  { id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', state: 'succeeded', nominated: true, currentRoundTripTime: 0.05, ...extra },
  { id: 'L', type: 'local-candidate', candidateType: local },
  { id: 'R', type: 'remote-candidate', candidateType: remote },
  { id: 'X', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R', state: 'failed' },
  { id: 'L2', type: 'local-candidate', candidateType: 'relay' },
  { id: 'IA', type: 'inbound-rtp', kind: 'audio', packetsReceived: 950, packetsLost: 50, jitter: 0.01 },
  { id: 'IV', type: 'inbound-rtp', kind: 'video', packetsReceived: 10, packetsLost: 90, jitter: 0.5 },
]);

describe('E-model (G.107) MOS estimate', () => {
  it('gives G.107 default rating 93.2, MOS 4.41, on a perfect network', () => {
    expect(rFactor({ rtt: 0, jitter: 0, loss: 0 })).to.equal(93.2);
    expect(estimateMos({ rtt: 0, jitter: 0, loss: 0 })).to.equal(4.41);
  });

  it('uses Ta = RTT/2 + 2 × jitter + 20 ms and no delay impairment up to 100 ms', () => {
    expect(mouthToEar({ rtt: 100, jitter: 10 })).to.equal(90);
    expect(delayImpairment(100)).to.equal(0);
    expect(delayImpairment(200)).to.be.closeTo(25 * (Math.pow(2, 1 / 6) - 3 * Math.pow(1 + 1 / 729, 1 / 6) + 2), 1e-9);
    expect(estimateMos({ rtt: 400, jitter: 0, loss: 0 })).to.equal(4.29);
  });

  it('applies G.107 Ie,eff = 95·Ppl/(Ppl + 25.1) for random loss', () => {
    expect(lossImpairment(0)).to.equal(0);
    expect(lossImpairment(0.05)).to.be.closeTo((95 * 5) / (5 + 25.1), 1e-9);
    expect(estimateMos({ rtt: 0, jitter: 0, loss: 0.05 })).to.equal(3.92);
  });

  it('falls as delay, jitter or loss grow, and stays within 1…4.5', () => {
    const base = estimateMos({ rtt: 50, jitter: 5, loss: 0.01 });
    expect(estimateMos({ rtt: 600, jitter: 5, loss: 0.01 })).to.be.below(base);
    expect(estimateMos({ rtt: 50, jitter: 150, loss: 0.01 })).to.be.below(base);
    expect(estimateMos({ rtt: 50, jitter: 5, loss: 0.2 })).to.be.below(base);
    expect(estimateMos({ rtt: 5000, jitter: 1000, loss: 1 })).to.equal(1);
    expect(mosFromR(120)).to.equal(4.5);
    expect(mosFromR(-3)).to.equal(1);
  });
});

describe('route and metrics from a stats report', () => {
  it('takes the route of the selected pair: host, srflx (also prflx on our side), relay on either side', () => {
    expect(routeOf(pair('host', 'host'))).to.equal('host');
    expect(routeOf(pair('host', 'prflx'))).to.equal('host');
    expect(routeOf(pair('srflx', 'host'))).to.equal('srflx');
    expect(routeOf(pair('prflx', 'host'))).to.equal('srflx');
    expect(routeOf(pair('host', 'relay'))).to.equal('relay');
    expect(routeOf(pair('relay', 'srflx'))).to.equal('relay');
    expect(routeOf(report([{ id: 'T', type: 'transport' }]))).to.equal(undefined);
  });

  it('reads RTT from the pair, jitter and loss from the received audio', () => {
    const q = qualityOf(pair('host', 'host'))!;
    expect(q.rtt).to.be.closeTo(50, 1e-9);
    expect(q.jitter).to.be.closeTo(10, 1e-9);
    expect(q.loss).to.be.closeTo(0.05, 1e-9);
  });

  it('builds the reported metrics, with an error label when given one', () => {
    const m = callMetrics(pair('relay', 'host'), { duration: 12.3456, ua: 'UA' });
    expect(m).to.deep.equal({ duration: 12.346, route: 'relay', mos: estimateMos({ rtt: 50, jitter: 10, loss: 0.05 }), ua: 'UA' });
    expect(callMetrics(undefined, { duration: 0, error: 'ice-failed' })).to.deep.equal({ duration: 0, error: 'ice-failed' });
  });
});
