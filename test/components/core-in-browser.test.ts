// The DOM-free core in Chromium: two clients on two BroadcastChannels, as two tabs would be.
import { expect } from '@open-wc/testing';
import { JSONgle } from '../../src/index.ts';
import { createBroadcastChannelTransport } from '../../src/transports.ts';

const next = (client: JSONgle, event: any, ms = 3000) =>
  new Promise<any[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms`)), ms);
    client.once(event, (...args: any[]) => {
      clearTimeout(timer);
      resolve(args);
    });
  });

describe('core client in the browser over BroadcastChannel', () => {
  it('signals a whole call and a chat message between two clients with no server', async () => {
    const channel = `wtr-${Math.random()}`;
    const alice = new JSONgle({ transport: createBroadcastChannelTransport(channel), user: { uid: 'alice' } });
    const bob = new JSONgle({ transport: createBroadcastChannelTransport(channel), user: { uid: 'bob' } });
    try {
      const incoming = next(bob, 'call');
      alice.call('bob', 'video');
      const [call] = await incoming;
      expect(call.caller).to.equal('alice');
      const needed = next(alice, 'offerneeded');
      bob.proceed();
      await needed;
      const offered = next(bob, 'offerreceived');
      alice.sendOffer({ type: 'offer', sdp: 'v=0\r\n' });
      expect((await offered)[0].type).to.equal('offer');
      const answered = next(alice, 'offerreceived');
      bob.sendOffer({ type: 'answer', sdp: 'v=0\r\n' });
      expect((await answered)[0].type).to.equal('answer');
      const active = next(bob, 'callstatechanged');
      alice.setAsActive();
      expect((await active)[1].state).to.equal('active');
      const text = next(alice, 'messagereceived');
      bob.send('alice', '<b>not bold</b>');
      expect((await text)[0].description.content).to.equal('<b>not bold</b>');
      const ended = next(bob, 'callended');
      alice.end();
      expect((await ended)[0]).to.equal(false);
      expect(bob.ticket!.outcome).to.equal('terminated');
    } finally {
      alice.close();
      bob.close();
    }
  });
});
