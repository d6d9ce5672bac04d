// What a node does when connections of other nodes go (the Redis registry reports it): a connection
// that closed is dropped from the calls this node decides, as a local one would be; when its node
// died, its calls end for the parties here with reason `gone`, and its rooms' members here hear `left`
// (so do those of a connection it held parked).
// A closed connection's calls wait for the grace (../resume.ts) on every node that decides one of them.
import { callMessage } from '../../src/protocol/build.ts';
import { ACTION, INFO, type JsongleMessage } from '../../src/protocol/messages.ts';
import { fromFor } from '../address.ts';
import { deliver, fromServer, isoNow, type Client, type Context } from '../context.ts';
import type { ClusterEvents } from '../redis/registry.ts';
import type { CallRecord, Peer } from '../registry.ts';
import { resumedElsewhere } from '../resume.ts';
import { dropCalls, leftCalls } from './calls.ts';
import { announce } from './rooms.ts';

export const GONE = 'gone';

/** Tells `to` that `from`, a party of call `r`, is gone: terminate once answered, retract while ringing. */
function goneTo(ctx: Context, r: CallRecord, from: Peer, to: Peer) {
  const action = r.answered ? ACTION.TERMINATE : ACTION.RETRACT;
  const ref = { id: r.sid, caller: r.initiator, callee: r.responder };
  deliver(ctx, to, callMessage(fromFor(r.via, from), to.uid, ref, action, { ended: isoNow() }, GONE));
}

/** The calls this node decides in which `peer`, on a node that died, took part. */
function peerDied(ctx: Context, peer: Peer) {
  for (const sid of ctx.registry.callsOf(peer)) {
    const r = ctx.registry.call(sid);
    if (!r) continue;
    if (peer === r.answered) {
      goneTo(ctx, r, peer, r.caller);
      ctx.registry.endCall(sid);
      continue;
    }
    ctx.registry.untarget(sid, peer);
    if (!r.answered && r.targets.size === 0) {
      // Its last ringing device went: as when a callee's only connection closes.
      ctx.registry.endCall(sid);
      fromServer(ctx, r.caller as Client, callMessage(ctx.sn, r.caller.uid, { id: sid, caller: r.initiator, callee: r.responder }, ACTION.INFO, { ended: isoNow() }, INFO.UNREACHABLE).jsongle);
    }
  }
}

export function clusterEvents(ctx: Context, route: (client: Client, m: JsongleMessage) => void): ClusterEvents {
  return {
    route,
    gone: (peer, died) => (died ? peerDied(ctx, peer) : dropCalls(ctx, peer as Client)),
    orphaned: (r, locals) => {
      // The caller's node died: the devices here that ring or answered hear it.
      for (const p of locals) if (p !== r.caller) goneTo(ctx, r, r.caller, p);
    },
    left: (peer, rooms) => {
      for (const { room, locals } of rooms) announce(ctx, room, locals, peer, 'left');
    },
    resumed: (id, old) => resumedElsewhere(ctx, id, old),
    expired: (peer, sids) => leftCalls(ctx, peer as Client, sids),
  };
}
