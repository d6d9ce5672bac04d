import { html, type PropertyDeclarations, type PropertyValues } from 'lit';
import { JSONgle } from '../../src/client.ts';
import { JsongleError } from '../../src/errors.ts';
import type { TokenProvider } from '../../src/token.ts';
import type { TransportState } from '../../src/transport/transport.ts';
import { JsongleConnectionChangeEvent, JsongleErrorEvent, type ConnectionState } from '../events.ts';
import { JsongleElement } from '../internal/base.ts';
import { listen } from '../internal/client-controller.ts';
import { providesClient } from '../internal/context.ts';
import { hostStyles } from '../internal/styles.ts';
import { connectionStyles } from './connection.styles.ts';
import type { SocketIoConnect } from '../../src/transport/socket-io.ts';
import { createTransport, missing, type TransportKind } from './transports.ts';
import { addEnglish } from '../translations/index.ts';
import { connection as texts } from '../translations/en/connection.ts';

addEnglish(texts);

const STATES: readonly ConnectionState[] = ['idle', 'connecting', 'open', 'reconnecting', 'closed', 'unauthorized'];
const RETRY_MIN = 1000;
const RETRY_MAX = 30_000;

/**
 * @tag jsongle-connection
 * @summary Connects the page to JSONgle signaling and gives the client to the elements inside it.
 *
 * It connects as soon as it has what it needs (`url` for `websocket` and `socket.io`, `user` for
 * `broadcast-channel`), reconnects by itself, and closes its client when it is removed. A page that
 * builds its own client sets the `client` property instead (that client is never closed by the element).
 * Descendants find its client by walking up to it; other elements may name it with `connection="id"`.
 *
 * @attr url - The signaling server's WebSocket (or Socket.IO) URL.
 * @attr token - A fixed identity token (a JWT from your backend), sent in the `session-hello` answer; setting a new one while connected sends it at once (`session-token`). With `transport="socket.io"`, the reference server's application token.
 * @attr user - This user's id (`uid`), sent in the `session-hello` answer; with a token, its `sub` (omit `user` to use the token's).
 * @attr display-name - This user's display name (`dn`).
 * @attr transport - `websocket` (default), `broadcast-channel` (tabs of one browser, no server) or `socket.io`.
 * @attr channel - The BroadcastChannel name (default `jsongle`).
 * @attr without-status - Hides the status indicator.
 * @attr lang - The language of the status text (`en`, `fr`).
 * @attr ice-servers - STUN/TURN servers as JSON for every `<jsongle-call>` inside (a call's own `ice-servers` wins): `[{"urls":"turn:turn.example.com","username":"u","credential":"p"}]`. Unset: the calls ask the server for TURN credentials.
 *
 * @prop {JSONgle | null} client - The JSONgle client: the element's own, or one set by the page.
 * @prop {ConnectionState} state - `idle`, `connecting`, `open`, `reconnecting` or `closed` (read-only).
 * @prop {RTCIceServer[]} iceServers - STUN/TURN servers for every call inside; as the `ice-servers` attribute, JSON.
 * @prop {SocketIoConnect | null} io - socket.io-client's `io` for `transport="socket.io"` (default: `window.io`).
 * @prop {TokenProvider | null} tokenProvider - An async function returning a fresh identity token: asked before each (re)connection and about 60 s before the current token's `exp`.
 *
 * @fires {JsongleConnectionChangeEvent} jsongle-connection-change - `{ state, previous }` on every state change and when the client is replaced.
 * @fires {JsongleErrorEvent} jsongle-error - `{ error }`: an error of the client (refused message, server error, transport failure; `unauthorized` when the server refused the identity token).
 *
 * @csspart status - The status indicator.
 * @csspart status-dot - The coloured dot of the indicator.
 * @csspart status-text - The words of the indicator.
 *
 * @cssprop --jsongle-status-color - Text colour of the indicator.
 * @cssprop --jsongle-status-font-size - Text size of the indicator.
 * @cssprop --jsongle-status-dot-size - Size of the dot.
 * @cssprop --jsongle-status-idle-color - Dot colour when idle.
 * @cssprop --jsongle-status-connecting-color - Dot colour while connecting or reconnecting.
 * @cssprop --jsongle-status-open-color - Dot colour when connected.
 * @cssprop --jsongle-status-closed-color - Dot colour when closed.
 *
 * @slot - The elements that use this connection (`<jsongle-call>`…).
 *
 * @cssstate idle - Not configured enough to connect.
 * @cssstate connecting - Connecting.
 * @cssstate open - Connected.
 * @cssstate reconnecting - Connection lost, retrying.
 * @cssstate closed - Closed or failed.
 * @cssstate unauthorized - The server refused the identity token: no reconnection until a new `token` or `tokenProvider` is set.
 */
export class JsongleConnection extends JsongleElement {
  static override styles = [hostStyles, connectionStyles];
  static override properties: PropertyDeclarations = { url: { reflect: true }, token: {}, user: { reflect: true }, displayName: { attribute: 'display-name' }, transport: { reflect: true }, channel: { reflect: true }, withoutStatus: { attribute: 'without-status', type: Boolean, reflect: true }, iceServers: { attribute: 'ice-servers', type: Array }, io: { attribute: false }, tokenProvider: { attribute: false } };

  url = '';
  token = '';
  user = '';
  displayName = '';
  transport: TransportKind = 'websocket';
  channel = '';
  withoutStatus = false;
  iceServers: RTCIceServer[] = [];
  /** socket.io-client's `io`, for `transport="socket.io"` (default: `window.io`). */
  io: SocketIoConnect | null = null;
  /** Returns a fresh identity token (see the class comment). */
  tokenProvider: TokenProvider | null = null;

  /** @internal Marks it as the provider of a client to the elements inside it (internal/context.ts). */
  get [providesClient]() { return true; }
  #client: JSONgle | null = null;
  #owned = false;
  /** The configuration the owned client was built from. */
  #built = '';
  #builtIo: SocketIoConnect | null = null;
  #state: ConnectionState = 'idle';
  #unsubscribe: (() => void) | null = null;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #retryDelay = RETRY_MIN;
  #closing = false;
  /** The server refused the identity token: a close is `unauthorized`, and is not retried. */
  #refused = false;

  constructor() {
    super();
    this.setOnlyCustomState(STATES, 'idle');
  }

  get state(): ConnectionState { return this.#state; }

  get client(): JSONgle | null { return this.#client; }
  /** Uses a client built by the page; `null` goes back to the element's own. */
  set client(client: JSONgle | null) {
    if (client === this.#client) return;
    if (this.#owned) this.#dispose();
    if (client) this.#use(client, false);
    else {
      this.#use(null, false);
      this.#built = '';
      if (this.isConnected) this.#connect();
    }
  }

  override connectedCallback() {
    super.connectedCallback();
    if (!this.#client) this.#connect();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    // A move in the DOM reconnects at once: only close when the element is really gone.
    queueMicrotask(() => {
      if (this.isConnected) return;
      clearTimeout(this.#retry);
      if (this.#owned) {
        this.#dispose();
        this.#use(null, false);
        this.#built = '';
      }
    });
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    // A new token goes to the running client: the connection (and a call in it) stays.
    const client = this.#owned ? this.#client : null;
    if (client && changed.has('tokenProvider') && this.tokenProvider) {
      this.#refused = false;
      client.tokenProvider = this.tokenProvider;
    }
    if (client && changed.has('token') && this.token && this.token !== client.token) {
      this.#refused = false;
      client.token = this.token;
    }
    const config = ['url', 'user', 'displayName', 'transport', 'channel', 'io'] as const;
    if (config.some((k) => changed.has(k)) && this.isConnected && (this.#owned || !this.#client)) {
      if (this.#configKey() !== this.#built || this.io !== this.#builtIo) this.#connect();
    }
  }

  /** Closes the element's own client and opens a new one now (the page's client is left alone). */
  reconnect() {
    if (this.#client && !this.#owned) return;
    this.#built = '';
    this.#connect();
  }

  protected override render() {
    return html`
      <span part="status" role="status" ?hidden=${this.withoutStatus}>
        <span part="status-dot" aria-hidden="true"></span>
        <span part="status-text">${this.t(`connection.${this.#state}`)}</span>
      </span>
      <slot></slot>
    `;
  }

  #configKey() {
    // Not the token: a new one is given to the running client (willUpdate).
    return JSON.stringify([this.transport, this.url, this.user, this.displayName, this.channel]);
  }

  /** Builds the element's own client from the attributes, when they are enough. */
  #connect() {
    clearTimeout(this.#retry);
    if (this.#client && !this.#owned) return;
    if (this.#owned) {
      this.#dispose();
      this.#use(null, false);
    }
    const kind = this.transport || 'websocket';
    const options = { url: this.url, token: this.token, channel: this.channel, io: this.io };
    if (missing(kind, options, this.user).length) return; // idle until it has what it needs
    this.#built = this.#configKey();
    this.#builtIo = this.io;
    try {
      const transport = createTransport(kind, options);
      const user = this.user ? { uid: this.user, ...(this.displayName ? { dn: this.displayName } : {}) } : undefined;
      const tokens = { ...(this.token ? { token: this.token } : {}), ...(this.tokenProvider ? { tokenProvider: this.tokenProvider } : {}) };
      this.#use(new JSONgle({ transport, user, ...tokens }), true);
    } catch (e) {
      const error = e instanceof JsongleError ? e : new JsongleError('transport', String((e as Error)?.message ?? e));
      this.#setState('closed');
      this.fire(new JsongleErrorEvent({ error }));
    }
  }

  #use(client: JSONgle | null, owned: boolean) {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    const previous = this.#state;
    this.#client = client;
    this.#owned = owned && !!client;
    if (client) {
      this.#unsubscribe = listen(client, {
        connectionstatechanged: (state: TransportState) => this.#setState(state),
        error: (error: JsongleError) => {
          if (error.code === 'unauthorized') this.#refused = true;
          this.fire(new JsongleErrorEvent({ error }));
        },
      });
    }
    this.#refused = false;
    this.#state = client ? client.transport.state : 'idle';
    this.setOnlyCustomState(STATES, this.#state);
    this.requestUpdate();
    this.fire(new JsongleConnectionChangeEvent({ state: this.#state, previous }));
  }

  #setState(state: ConnectionState) {
    if (state === 'closed' && this.#refused) state = 'unauthorized'; // the transport waits for a new token
    if (state === 'open') this.#refused = false;
    if (state === this.#state) return;
    const previous = this.#state;
    this.#state = state;
    this.setOnlyCustomState(STATES, state);
    this.requestUpdate();
    this.fire(new JsongleConnectionChangeEvent({ state, previous }));
    if (state === 'open') this.#retryDelay = RETRY_MIN;
    // The transport gave up (or never opened): try again later with a new client.
    if (state === 'closed' && this.#owned && !this.#closing && this.isConnected) {
      clearTimeout(this.#retry);
      this.#retry = setTimeout(() => this.reconnect(), this.#retryDelay);
      this.#retryDelay = Math.min(RETRY_MAX, this.#retryDelay * 2);
    }
  }

  #dispose() {
    const client = this.#client;
    if (!client || !this.#owned) return;
    this.#closing = true;
    try {
      client.close();
    } finally {
      this.#closing = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'jsongle-connection': JsongleConnection;
  }
}
