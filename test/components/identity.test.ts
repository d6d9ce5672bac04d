// <jsongle-connection> with identity tokens, on the real signaling server (test/components/server.ts):
// a tokenProvider connects, refreshes before expiry, and a refused token shows a clear error state.
import { expect, fixture, html } from '@open-wc/testing';
import { SignJWT } from 'jose';
import '../../components/index.ts';
import type { JsongleConnection } from '../../components/connection/connection.ts';
import { nextEvent, until } from '../media/helpers.ts';
import { startServer, type TestServer } from './server.ts';

const SECRET = 'browser-test-secret-of-at-least-32-bytes';
const part = (el: HTMLElement, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);

/** An HS256 token for `sub`, `seconds` long, as an application's backend would mint it. */
const mint = (sub: string, seconds: number, secret = SECRET) =>
  new SignJWT({ name: `${sub} (token)` }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub)
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds).sign(new TextEncoder().encode(secret));
const expOf = (token: string) => JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).exp * 1000;

describe('<jsongle-connection> with a tokenProvider (real server, tokens required)', () => {
  let server: TestServer;
  let wsUrl = '';
  before(async () => {
    server = await startServer({ tokenSecret: SECRET, tokenClockTolerance: 0 });
    wsUrl = server.wsUrl;
  });
  after(() => server.close());

  it('connects with the provider’s token and refreshes it before it expires, without reconnecting', async () => {
    const minted: string[] = [];
    const provider = async () => {
      const token = await mint('alice', 3);
      minted.push(token);
      return token;
    };
    const states: string[] = [];
    const el = await fixture<JsongleConnection>(html`<jsongle-connection url=${wsUrl} .tokenProvider=${provider}
      @jsongle-connection-change=${(e: CustomEvent) => states.push(e.detail.state)}></jsongle-connection>`);
    const client = el.client!;
    await until(() => client.registered, 5000, 'registered');
    expect(client.id).to.equal('alice', 'the uid is the token’s sub');
    expect(el.state).to.equal('open');
    const firstExp = expOf(minted[0]);
    await until(() => Date.now() > firstExp + 700 && minted.length >= 3, 10000, 'two refreshes and the first token past its exp');
    expect(el.state).to.equal('open');
    expect(states.filter((s) => s !== 'connecting' && s !== 'open')).to.deep.equal([], 'never disconnected');
    expect(client.registered).to.equal(true);
    // Still served by the server: a join succeeds after the first token's exp.
    expect((await client.request(client.server, 'session-join', { rid: 'browser-room' })).rid).to.equal('browser-room');
  });

  it('shows `unauthorized` when the server refuses the token, stays there, and connects once a good provider is set', async () => {
    let calls = 0;
    const forged = () => {
      calls++;
      return mint('alice', 600, 'not-the-server-secret-but-32-bytes-long');
    };
    const el = await fixture<JsongleConnection>(html`<jsongle-connection url=${wsUrl} user="alice" .tokenProvider=${forged}></jsongle-connection>`);
    const error = await nextEvent(el, 'jsongle-error', 5000, (e) => e.detail.error.code === 'unauthorized');
    expect(error.detail.error.detail.errorCode).to.equal(401001);
    await until(() => el.state === 'unauthorized', 5000, 'the unauthorized state');
    await el.updateComplete;
    expect(el.matches(':state(unauthorized)')).to.equal(true);
    expect(part(el, 'status-text')!.textContent).to.equal('Not authorized');
    await new Promise((r) => setTimeout(r, 1500)); // longer than the element's own retry (1 s)
    expect(el.state).to.equal('unauthorized', 'no reconnection with the refused token');
    expect(calls).to.equal(1);
    const opened = nextEvent(el, 'jsongle-connection-change', 5000, (e) => e.detail.state === 'open');
    el.tokenProvider = () => mint('alice', 600);
    await opened;
    await until(() => el.client!.registered, 5000, 'registered with the good token');
  });

  it('a fixed `token` attribute registers too; a new one reaches the server without reconnecting', async () => {
    const el = await fixture<JsongleConnection>(html`<jsongle-connection url=${wsUrl} token=${await mint('bob', 600)}></jsongle-connection>`);
    await until(() => el.client?.registered, 5000, 'registered');
    const client = el.client!;
    expect(client.id).to.equal('bob');
    const errors: string[] = [];
    el.addEventListener('jsongle-error', (e) => errors.push((e as CustomEvent).detail.error.code));
    el.setAttribute('token', await mint('carol', 600)); // another sub: refused by the server, the connection stays
    await until(() => errors.includes('unauthorized'), 5000, 'the refused session-token');
    el.setAttribute('token', await mint('bob', 600));
    await el.updateComplete;
    expect(client.token).to.equal(el.token);
    expect(el.client).to.equal(client, 'the same client: no reconnection');
    expect(el.state).to.equal('open');
  });
});
