// The outbox across every way a connection comes back: messages pending when the socket dropped
// (the server never got them, so no `server-received`) are sent again on the next connection with
// the same ids, in order, each once; the recipient gets each once, in order. A session resume (the
// hello answer's `resume`, within the server's grace) and a fresh hello (no grace: nothing to
// resume) are both checked, and so is a message written while the dying socket was closing.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { cleanup, connectClient, startServer, until } from './helpers.ts';

afterEach(cleanup);

/** The `ws` WebSocket, with what each connection sent; `blackhole` drops frames as a dead network would. */
function tappedSockets() {
  const sockets: { ws: WebSocket; sent: any[] }[] = [];
  const tap = { blackhole: false };
  class Tapped extends WebSocket {
    readonly sent: any[] = [];
    constructor(url: string) {
      super(url);
      sockets.push({ ws: this, sent: this.sent });
    }
    override send(data: any, ...rest: any[]) {
      if (tap.blackhole) return;
      this.sent.push(JSON.parse(String(data)));
      (super.send as (...a: unknown[]) => void)(data, ...rest);
    }
  }
  return { sockets, tap, WebSocket: Tapped as unknown as typeof WebSocket };
}

const texts = (frames: any[]) => frames.filter((m) => m.jsongle.action === 'session-text').map((m) => m.id);

for (const [how, callGrace] of [['a session resume', 10_000], ['a fresh hello', 0]] as const) {
  test(`after ${how}, pending messages go again with their ids, in order, once`, async () => {
    const server = await startServer({ callGrace });
    const bob = await connectClient(server, 'bob');
    const got: string[] = [];
    bob.on('messagereceived', (_body, _from, id) => got.push(id));
    const wire = tappedSockets();
    const alice = await connectClient(server, 'alice', 'alice', { WebSocket: wire.WebSocket });
    // A room, so that the server's side of a resume can be seen: resumed, alice stays in it unannounced.
    await alice.request(alice.server, 'session-join', { rid: 'pair' });
    await bob.request(bob.server, 'session-join', { rid: 'pair' });
    const departures: string[] = [];
    bob.on('event', (e: any) => { if (e.event === 'left' || e.event === 'joined') departures.push(e.event); });

    // The network dies silently: these never reach the server.
    wire.tap.blackhole = true;
    const lost = [alice.send('bob', 'one'), alice.send('bob', 'two'), alice.send('bob', 'three')];
    assert.deepEqual(alice.pendingMessages, lost);
    wire.tap.blackhole = false;
    // The socket goes; what is written before the client hears of it waits for the next connection.
    wire.sockets[0].ws.terminate();
    const late = [alice.send('bob', 'four'), alice.send('bob', 'five')];
    const ids = [...lost, ...late];

    await until(() => got.length >= ids.length && alice.pendingMessages.length === 0, 5000, 'all five stored and delivered');
    assert.equal(wire.sockets.length, 2, 'one reconnection');
    assert.deepEqual(texts(wire.sockets[1].sent), ids, 'on the new connection: each pending message once, in the order written');
    assert.deepEqual(got, ids, 'bob: each once, in order');
    await until(() => callGrace > 0 || departures.includes('left'), 3000, 'without a grace, the room hears alice leave');
    assert.equal(departures.length === 0, callGrace > 0, callGrace > 0 ? 'resumed: nobody was told alice left' : 'fresh: alice left the room');
  });
}
