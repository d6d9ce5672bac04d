// <jsongle-dialer>: dialing through a <jsongle-call>, validation, history, forms.
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/index.ts';
import './french.ts';
import type { JsongleCall } from '../../components/call/call.ts';
import type { HistoryEntry, JsongleDialer } from '../../components/dialer/dialer.ts';
import type { JSONgle } from '../../src/client.ts';
import { clientPair, nextEvent, until, within } from '../media/helpers.ts';

const part = (el: HTMLElement, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
const parts = (el: HTMLElement, name: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${name}"]`)];
const text = (el: HTMLElement, name: string) => part(el, name)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const input = (el: HTMLElement) => part(el, 'input') as HTMLInputElement;
const click = (el: HTMLElement, name: string) => part(el, name)!.click();
async function type(el: HTMLElement, keys: string) {
  input(el).focus();
  await sendKeys({ type: keys });
}
const ringing = (client: JSONgle) => until(() => client.currentCall?.state === 'ringing', 5000, `${client.id} ringing`);
/** Records the jsongle-dial events that reach the document. */
function dials() {
  const seen: { to: string; media: string }[] = [];
  const listener = (e: Event) => seen.push((e as CustomEvent).detail);
  document.addEventListener('jsongle-dial', listener);
  cleanups.push(() => document.removeEventListener('jsongle-dial', listener));
  return seen;
}

const cleanups: (() => void)[] = [];
afterEach(() => { for (const c of cleanups.splice(0)) c(); });
beforeEach(() => { for (const k of Object.keys(localStorage)) if (k.startsWith('jsongle-dialer-history:')) localStorage.removeItem(k); });

describe('<jsongle-dialer>', () => {
  it('fires jsongle-dial {to, media} and places the call on the <jsongle-call> named by call="id"; cancelling dials nothing', async () => {
    const { alice, bob, close } = clientPair();
    const other = clientPair();
    cleanups.push(close, other.close);
    // The dialer has no client of its own: only `call` leads it to the right element (not the first one).
    const root = await fixture<HTMLDivElement>(html`<div>
      <jsongle-call id="decoy" .client=${other.alice}></jsongle-call>
      <jsongle-dialer id="d" call="phone"></jsongle-dialer>
      <jsongle-call id="phone" .client=${alice}></jsongle-call>
    </div>`);
    const d = root.querySelector<JsongleDialer>('#d')!;
    const phone = root.querySelector<JsongleCall>('#phone')!;
    const decoy = root.querySelector<JsongleCall>('#decoy')!;
    await type(d, ' bob ');
    expect(d.value).to.equal(' bob ');

    // Cancelled: nothing is placed.
    const cancel = (e: Event) => e.preventDefault();
    d.addEventListener('jsongle-dial', cancel, { once: true });
    const first = nextEvent(d, 'jsongle-dial');
    click(d, 'video-call');
    const e1 = await first;
    expect(e1.detail).to.deep.equal({ to: 'bob', media: 'video' });
    expect(e1.cancelable && e1.bubbles && e1.composed).to.equal(true);
    expect(e1.defaultPrevented).to.equal(true);
    expect(alice.currentCall).to.equal(null);
    expect(phone.state).to.equal('idle');

    // Not cancelled: the named <jsongle-call> calls bob.
    const second = nextEvent(d, 'jsongle-dial');
    click(d, 'audio-call');
    expect((await second).detail).to.deep.equal({ to: 'bob', media: 'audio' });
    await until(() => phone.currentCall, 5000, 'the call placed once the devices are open');
    expect(phone.currentCall!.callee).to.equal('bob');
    expect(phone.currentCall!.media).to.equal('audio');
    expect(alice.currentCall).to.equal(phone.currentCall);
    expect(decoy.state).to.equal('idle');
    expect(other.alice.currentCall).to.equal(null);
    await ringing(bob);
    const end = nextEvent(phone, 'jsongle-call-end');
    bob.decline();
    expect((await end).detail.reason).to.equal('declined');
  });

  it('without call="id", uses the first <jsongle-call> of the same connection; says so when there is none', async () => {
    const { alice, bob, close } = clientPair();
    const other = clientPair();
    cleanups.push(close, other.close);
    const root = await fixture<HTMLDivElement>(html`<div>
      <jsongle-call id="elsewhere" .client=${other.alice}></jsongle-call>
      <jsongle-connection id="conn" .client=${alice}>
        <jsongle-dialer id="d" value="bob"></jsongle-dialer>
        <jsongle-call id="mine"></jsongle-call>
      </jsongle-connection>
      <jsongle-dialer id="lost" value="bob" connection="conn" call="missing"></jsongle-dialer>
    </div>`);
    const d = root.querySelector<JsongleDialer>('#d')!;
    const mine = root.querySelector<JsongleCall>('#mine')!;
    const elsewhere = root.querySelector<JsongleCall>('#elsewhere')!;
    expect(d.client).to.equal(alice);
    const call = await d.dial('video');
    expect(call).to.exist;
    expect(mine.currentCall).to.equal(call);
    expect(call!.media).to.equal('video');
    expect(elsewhere.state).to.equal('idle');
    expect(other.alice.currentCall).to.equal(null);
    await ringing(bob);
    const end = nextEvent(mine, 'jsongle-call-end');
    mine.hangup();
    expect((await end).detail.reason).to.equal('retracted');

    const lost = root.querySelector<JsongleDialer>('#lost')!;
    const error = nextEvent(lost, 'jsongle-error');
    expect(await lost.dial()).to.equal(null);
    expect((await error).detail.error.message).to.match(/No <jsongle-call>/);
    await lost.updateComplete;
    expect(text(lost, 'error')).to.equal('There is no <jsongle-call> to place the call.');
  });

  it('shows an inline error for empty, blank, spaced or too long input and dials nothing', async () => {
    const { alice, close } = clientPair();
    cleanups.push(close);
    const seen = dials();
    const root = await fixture<HTMLDivElement>(html`<div>
      <jsongle-dialer id="d" call="phone" .client=${alice}></jsongle-dialer>
      <jsongle-call id="phone" .client=${alice}></jsongle-call>
    </div>`);
    const d = root.querySelector<JsongleDialer>('#d')!;
    const cases: [string, string][] = [
      ['', 'Enter the user id or room to call.'],
      ['   ', 'Enter the user id or room to call.'],
      ['\t\n', 'Enter the user id or room to call.'],
      ['bob smith', 'A user id or room cannot contain spaces.'],
      ['x'.repeat(257), 'A user id or room has at most 256 characters.'],
    ];
    for (const [value, message] of cases) {
      d.value = value;
      await d.updateComplete;
      click(d, 'audio-call');
      await d.updateComplete;
      expect(text(d, 'error'), JSON.stringify(value)).to.equal(message);
      expect(part(d, 'error')!.getAttribute('role')).to.equal('alert');
      expect(input(d).getAttribute('aria-invalid')).to.equal('true');
      expect(input(d).getAttribute('aria-describedby')).to.equal('error');
      expect(d.matches(':state(invalid)')).to.equal(true);
    }
    expect(await d.dial('video')).to.equal(null);
    expect(seen).to.deep.equal([]);
    expect(alice.currentCall).to.equal(null);
    await expect(d).to.be.accessible();
    // Typing clears the error; 256 characters are fine.
    await type(d, 'y');
    await d.updateComplete;
    expect(text(d, 'error')).to.equal('');
    expect(input(d).getAttribute('aria-invalid')).to.equal('false');
    d.addEventListener('jsongle-dial', (e) => e.preventDefault(), { once: true });
    d.value = 'z'.repeat(256);
    d.dial();
    expect(seen).to.deep.equal([{ to: 'z'.repeat(256), media: 'audio' }]);
  });

  it('records the calls of its user in localStorage (newest first, at most 50), redials from them, and clears them', async () => {
    const { alice, bob, close } = clientPair();
    cleanups.push(close);
    const key = 'jsongle-dialer-history:alice';
    const root = await fixture<HTMLDivElement>(html`<div>
      <jsongle-dialer id="d" with-history call="phone" .client=${alice}></jsongle-dialer>
      <jsongle-call id="phone" .client=${alice}></jsongle-call>
    </div>`);
    const d = root.querySelector<JsongleDialer>('#d')!;
    expect(text(d, 'history-empty')).to.equal('No recent calls');
    expect((part(d, 'history-clear') as HTMLButtonElement).disabled).to.equal(true);
    // An outgoing call that bob declines (signaling only), then an incoming one alice misses.
    const phone = root.querySelector<JsongleCall>('#phone')!;
    phone.addEventListener('jsongle-incoming-call', (e) => e.preventDefault()); // alice's page ignores it
    alice.call('bob', 'video');
    await ringing(bob);
    bob.decline();
    await until(() => d.history.length === 1, 3000, 'first entry');
    bob.call('alice', 'audio');
    await ringing(alice);
    bob.end();
    await until(() => d.history.length === 2, 3000, 'second entry');
    const stored: HistoryEntry[] = JSON.parse(localStorage.getItem(key)!);
    expect(stored.map(({ peer, direction, media, outcome, duration }) => ({ peer, direction, media, outcome, duration }))).to.deep.equal([
      { peer: 'bob', direction: 'incoming', media: 'audio', outcome: 'missed', duration: 0 },
      { peer: 'bob', direction: 'outgoing', media: 'video', outcome: 'declined', duration: 0 },
    ]);
    expect(stored[0].id).to.equal(bob.ticket!.sid);
    expect(Date.parse(stored[0].at)).to.be.above(0);
    expect(localStorage.getItem('jsongle-dialer-history:bob')).to.equal(null);
    await d.updateComplete;
    const rows = parts(d, 'history-entry');
    expect(rows.map((r) => r.getAttribute('data-outcome'))).to.deep.equal(['missed', 'declined']);
    expect(rows[0].querySelector('[part="history-peer"]')!.textContent).to.equal('bob');
    expect(rows[0].querySelector('[part="history-detail"]')!.textContent!.replace(/\s+/g, ' ')).to.match(/^Incoming · Missed · /);
    await expect(d).to.be.accessible();

    // At most 50, newest first.
    const old = Array.from({ length: 60 }, (_, i) => ({ id: `old-${i}`, peer: `user${i}`, direction: 'outgoing', media: 'audio', outcome: 'answered', duration: 61, at: new Date(Date.now() - 1e6).toISOString() }));
    localStorage.setItem(key, JSON.stringify(old));
    alice.call('bob', 'audio');
    await ringing(bob);
    bob.decline();
    await until(() => d.history[0]?.id === alice.ticket!.sid, 3000, 'the newest entry first');
    expect(d.history).to.have.length(50);
    expect(JSON.parse(localStorage.getItem(key)!)).to.have.length(50);
    expect(d.history[1].id).to.equal('old-0');
    await d.updateComplete;
    expect(parts(d, 'history-entry')[1].querySelector('[part="history-detail"]')!.textContent).to.match(/Outgoing · 1:01 · /);

    // Clicking an entry calls its peer again, with its media.
    const again = nextEvent(d, 'jsongle-dial');
    d.addEventListener('jsongle-dial', (e) => e.preventDefault(), { once: true });
    (parts(d, 'history-call')[1] as HTMLButtonElement).click();
    expect((await again).detail).to.deep.equal({ to: 'user0', media: 'audio' });
    expect(d.value).to.equal('user0');

    // Clear.
    click(d, 'history-clear');
    await d.updateComplete;
    expect(localStorage.getItem(key)).to.equal(null);
    expect(d.history).to.deep.equal([]);
    expect(text(d, 'history-empty')).to.equal('No recent calls');
  });

  it('is form-associated: name=value in form data, required, reset, disabled fieldset, Enter submits', async () => {
    const { alice, close } = clientPair();
    cleanups.push(close);
    const form = await fixture<HTMLFormElement>(html`<form>
      <fieldset>
        <jsongle-dialer name="callee" value="carol" required .client=${alice}></jsongle-dialer>
      </fieldset>
      <button type="submit">Go</button>
    </form>`);
    const d = form.querySelector<JsongleDialer>('jsongle-dialer')!;
    await d.updateComplete;
    expect(d.form).to.equal(form);
    expect(new FormData(form).get('callee')).to.equal('carol');
    d.value = '';
    expect(form.checkValidity()).to.equal(false); // at once, as a native input
    expect(new FormData(form).get('callee')).to.equal('');
    await d.updateComplete;
    expect(d.validity.valueMissing).to.equal(true);
    expect(d.validationMessage).to.equal('Enter the user id or room to call.');
    await type(d, ' bob ');
    await d.updateComplete;
    expect(form.checkValidity()).to.equal(true);
    expect(new FormData(form).get('callee')).to.equal('bob');
    // Enter in the input submits the form (and dials nothing).
    const seen = dials();
    const submitted = within(new Promise<FormData>((resolve) => form.addEventListener('submit', (e) => { e.preventDefault(); resolve(new FormData(form)); }, { once: true })), 5000, 'the form submitted');
    input(d).focus();
    await sendKeys({ press: 'Enter' });
    expect((await submitted).get('callee')).to.equal('bob');
    expect(seen).to.deep.equal([]);
    // Invalid values make the form invalid too.
    d.value = 'bob smith';
    await d.updateComplete;
    expect(form.checkValidity()).to.equal(false);
    expect(d.validity.patternMismatch).to.equal(true);
    form.reset();
    await d.updateComplete;
    expect(d.value).to.equal('carol');
    expect(input(d).value).to.equal('carol');
    // A disabled fieldset disables it.
    form.querySelector('fieldset')!.disabled = true;
    await d.updateComplete;
    expect(input(d).disabled).to.equal(true);
    expect((part(d, 'audio-call') as HTMLButtonElement).disabled).to.equal(true);
    expect(new FormData(form).has('callee')).to.equal(false);
  });

  it('has a keypad, is accessible, and speaks French', async () => {
    const { alice, close } = clientPair();
    cleanups.push(close);
    const d = await fixture<JsongleDialer>(html`<jsongle-dialer with-keypad with-history .client=${alice}></jsongle-dialer>`);
    const inputs: string[] = [];
    d.addEventListener('input', () => inputs.push(d.value));
    const keys = parts(d, 'key');
    expect(keys.map((k) => k.textContent)).to.deep.equal(['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#']);
    for (const k of ['1', '0', '*', '#']) keys.find((x) => x.textContent === k)!.click();
    expect(d.value).to.equal('10*#');
    expect(inputs).to.deep.equal(['1', '10', '10*', '10*#']);
    await d.updateComplete;
    expect(input(d).value).to.equal('10*#');
    expect(part(d, 'keypad')!.getAttribute('role')).to.equal('group');
    await expect(d).to.be.accessible();
    d.setAttribute('lang', 'fr');
    await d.updateComplete;
    expect(text(d, 'label')).to.equal('Utilisateur ou salon à appeler');
    expect(text(d, 'audio-call')).to.equal('Appel audio');
    expect(text(d, 'history-title')).to.equal('Appels récents');
    d.value = '';
    d.dial();
    await d.updateComplete;
    expect(text(d, 'error')).to.equal("Saisissez l'identifiant ou le salon à appeler.");
    await expect(d).to.be.accessible();
  });
});
