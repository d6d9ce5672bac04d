// How the elements inside a <jsongle-connection> find its client: the connection marks itself, and
// a consumer walks up its ancestors (across shadow roots) to the nearest marked one. Changes reach
// consumers through the connection's `jsongle-connection-change` event, which it fires whenever its
// client is replaced. (Lighter than a context library: the CDN bundle has a size budget.)
import type { JSONgle } from '../../src/client.ts';

export const providesClient = Symbol.for('jsongle-provides-client');

export interface ClientProvider {
  readonly client: JSONgle | null;
  /** STUN/TURN servers for the calls that use this provider (`<jsongle-connection ice-servers>`). */
  readonly iceServers?: RTCIceServer[];
}

/** The nearest ancestor of `element` that provides a client, or null. */
export function clientProvider(element: Element): ClientProvider | null {
  let node: Node | null = element;
  while ((node = node.parentNode ?? (node as ShadowRoot).host ?? null)) {
    if ((node as { [providesClient]?: boolean })[providesClient]) return node as unknown as ClientProvider;
  }
  return null;
}
