// Finds the JSONgle client of an element, in this order:
//   1. its own `client` property (set by the page);
//   2. its `connection="id"` attribute: the <jsongle-connection> (or anything with a `client`) of that id;
//   3. the nearest ancestor <jsongle-connection> (components/internal/context.ts).
// It calls `onChange(client, previous)` whenever the answer changes, with `null` while the host is
// disconnected: hosts subscribe to the client there and unsubscribe from the previous one.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { JSONgle } from '../../src/client.ts';
import { clientProvider, type ClientProvider } from './context.ts';

export interface ClientHost extends ReactiveControllerHost, HTMLElement {
  /** The id of a <jsongle-connection>, from the `connection` attribute ('' when unset). */
  connection: string;
}

export class ClientController implements ReactiveController {
  readonly #host: ClientHost;
  readonly #onChange: (client: JSONgle | null, previous: JSONgle | null) => void;
  #explicit: JSONgle | null = null;
  #current: JSONgle | null = null;
  #connected = false;

  constructor(host: ClientHost, onChange: (client: JSONgle | null, previous: JSONgle | null) => void) {
    this.#host = host;
    this.#onChange = onChange;
    host.addController(this);
  }

  /** The client in use (null when none is found or the host is disconnected). */
  get client(): JSONgle | null { return this.#current; }

  /** The client set on the element itself, which wins over the others. */
  get explicit(): JSONgle | null { return this.#explicit; }
  set explicit(client: JSONgle | null) {
    this.#explicit = client ?? null;
    this.refresh();
  }

  hostConnected() {
    this.#connected = true;
    document.addEventListener('jsongle-connection-change', this.#onConnectionChange);
    this.refresh();
  }

  hostDisconnected() {
    this.#connected = false;
    document.removeEventListener('jsongle-connection-change', this.#onConnectionChange);
    this.refresh();
  }

  /** Looks again (the `connection` attribute changed, a connection got a new client…). */
  refresh() {
    const next = this.#connected ? this.#find() : null;
    if (next === this.#current) return;
    const previous = this.#current;
    this.#current = next;
    this.#onChange(next, previous);
    this.#host.requestUpdate();
  }

  #find(): JSONgle | null {
    if (this.#explicit) return this.#explicit;
    return this.provider?.client ?? null;
  }

  /** The element the client comes from (a `<jsongle-connection>`), or null for an explicit client. */
  get provider(): ClientProvider | null {
    if (this.#explicit) return null;
    const id = this.#host.connection;
    if (id) {
      const root = this.#host.getRootNode() as Document | ShadowRoot;
      return (root.getElementById?.(id) ?? document.getElementById(id)) as ClientProvider | null;
    }
    return clientProvider(this.#host);
  }

  // A <jsongle-connection> changed state or client: it may be the one named by `connection`, or
  // the ancestor this host gets its client from.
  #onConnectionChange = () => this.refresh();
}

/** Subscribes `handlers` to `client`; returns the function that unsubscribes them all. */
export function listen(client: JSONgle, handlers: { [event: string]: (...args: any[]) => void }): () => void {
  for (const [event, fn] of Object.entries(handlers)) client.on(event as any, fn as any);
  return () => { for (const [event, fn] of Object.entries(handlers)) client.off(event as any, fn as any); };
}
