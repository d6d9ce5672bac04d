// Adapts the spec's `{ name, transport: { in, out } }` configuration to a Transport.
import type { SeedTransport, Transport, TransportHandlers } from './transport.ts';

export function wrapSeed(name: string, seed: SeedTransport): Transport {
  let handlers: TransportHandlers | undefined;
  let closed = false;
  // `in` may only be called once by the seed contract: register now, deliver to whoever listens.
  seed.in((message) => {
    if (!closed) handlers?.message(message);
  });
  return {
    name,
    get state() { return closed ? 'closed' : 'open'; },
    send: (message) => seed.out(message),
    receive(h) { handlers = h; },
    close() {
      closed = true;
      handlers?.state?.('closed');
    },
  };
}
