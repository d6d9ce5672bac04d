// Serverless signaling between tabs of one browser (or workers, or Node ≥ 18) through a
// BroadcastChannel. Every tab hears every frame, so each keeps only those addressed to it.
import type { JsongleMessage } from '../protocol/messages.ts';
import type { Transport, TransportHandlers, TransportState } from './transport.ts';

interface Channel {
  postMessage(data: unknown): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}

export function createBroadcastChannelTransport(name = 'jsongle'): Transport {
  const Ctor = (globalThis as any).BroadcastChannel as (new (name: string) => Channel) | undefined;
  if (!Ctor) throw new Error('BroadcastChannel is not available in this environment');
  const channel = new Ctor(name);
  let handlers: TransportHandlers | undefined;
  let state: TransportState = 'open';
  let me: string | undefined;
  channel.onmessage = ({ data }) => {
    // Frames are structured-cloned objects; the client still validates the whole of each one.
    if (me === undefined || (data as { to?: unknown } | null)?.to === me) handlers?.message(data);
  };
  return {
    name: 'broadcast-channel',
    get state() { return state; },
    send: (message: JsongleMessage) => state === 'open' && channel.postMessage(message),
    receive(h) { handlers = h; },
    identify(id) { me = id; },
    close() {
      if (state === 'closed') return;
      state = 'closed';
      channel.close();
      handlers?.state?.('closed');
    },
  };
}
