// The elements driven the way frameworks drive custom elements: created with document.createElement
// (or parsed from a template string) BEFORE the definitions load, properties set before and after
// upgrade (React 19, Vue, Svelte set properties), attributes (Angular templates, plain HTML), and
// listeners added with addEventListener for the DOM events (React 19's `onjsongle-…`, Vue's @, Svelte's on:).
// This file must not import components/ statically: the definitions load halfway through.
import { expect } from '@open-wc/testing';
import { clientPair, nextEvent, until } from '../media/helpers.ts';

describe('framework-style use of the elements', () => {
  it('works when elements are created, configured and listened to before their definitions load', async () => {
    expect(customElements.get('jsongle-call')).to.equal(undefined);
    const { alice, bob, close } = clientPair();
    const host = document.createElement('div');
    document.body.append(host);
    try {
      // React 19 / Vue / Svelte: createElement, then properties (objects included) and listeners.
      const a = document.createElement('jsongle-call') as any;
      a.client = alice;
      a.to = 'bob';
      a.media = 'audio';
      const seenA: string[] = [];
      a.addEventListener('jsongle-call-change', (e: CustomEvent) => seenA.push(e.detail.state));
      // Angular / plain HTML: a template string with attributes, parsed before the upgrade.
      host.innerHTML = '<jsongle-connection id="conn-b" transport="broadcast-channel" without-status></jsongle-connection>'
        + '<jsongle-call id="b" connection="conn-b" auto-answer without-controls></jsongle-call>';
      const connection = host.querySelector('#conn-b') as any;
      connection.client = bob; // a page-built client, set before upgrade
      const b = host.querySelector('#b') as any;
      const ended: string[] = [];
      b.addEventListener('jsongle-call-end', (e: CustomEvent) => ended.push(e.detail.reason));
      host.append(a);

      await import('../../components/index.ts');
      await customElements.whenDefined('jsongle-call');
      expect(a instanceof customElements.get('jsongle-call')!).to.equal(true);
      expect(b instanceof customElements.get('jsongle-call')!).to.equal(true);
      // Properties set before the upgrade were kept, not shadowed by the class's accessors.
      expect(a.client).to.equal(alice);
      expect(a.to).to.equal('bob');
      expect(a.media).to.equal('audio');
      expect(connection.client).to.equal(bob);
      expect(b.autoAnswer).to.equal(true);
      expect(b.withoutControls).to.equal(true);
      await Promise.all([a.updateComplete, b.updateComplete, connection.updateComplete]);

      // Properties and attributes set after the upgrade work too.
      a.setAttribute('media', 'video');
      expect(a.media).to.equal('video');
      a.media = 'audio';
      await a.updateComplete;
      expect(a.getAttribute('media')).to.equal('audio');

      // A whole call through them: a calls, b (found through connection="conn-b") answers by itself.
      const incoming = nextEvent(b, 'jsongle-incoming-call', 5000);
      a.call();
      expect((await incoming).detail.from).to.equal('alice');
      await until(() => a.state === 'active' && b.state === 'active', 10000, 'both active');
      expect(seenA).to.include.members(['ringing', 'active']);
      a.hangup();
      await until(() => ended.length === 1, 5000, "b's jsongle-call-end");
      expect(ended).to.deep.equal(['terminated']);
    } finally {
      host.remove();
      close();
    }
  });
});
