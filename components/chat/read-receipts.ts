// Read receipts by visibility: a received message counts as read only when it is on screen (half of
// it, or half of the log for a message taller than the log) while the page is visible. The host
// marks unread messages `data-unread` with their `data-id`; `read(id)` is called once per message
// seen, and returns false when the message could not be marked (it is then tried again).
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export interface ReadReceiptsHost extends ReactiveControllerHost, HTMLElement {
  readonly renderRoot: HTMLElement | DocumentFragment;
}

export class ReadReceipts implements ReactiveController {
  readonly #host: ReadReceiptsHost;
  readonly #read: (id: string) => boolean;
  readonly #root: () => HTMLElement | null;
  #observer: IntersectionObserver | null = null;
  readonly #visible = new Set<string>();

  /** `root`: the scrolling log (its height bounds "half of the log"). */
  constructor(host: ReadReceiptsHost, read: (id: string) => boolean, root: () => HTMLElement | null) {
    this.#host = host;
    this.#read = read;
    this.#root = root;
    host.addController(this);
  }

  hostConnected() {
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#host.requestUpdate(); // re-observes the unread messages
  }

  hostDisconnected() {
    document.removeEventListener('visibilitychange', this.#onVisibility);
    this.reset();
  }

  hostUpdated() {
    if (!this.#host.isConnected || typeof IntersectionObserver === 'undefined') return;
    this.#observer ??= new IntersectionObserver((entries) => this.#onIntersect(entries), { threshold: [0, 0.25, 0.5, 0.75, 1] });
    for (const el of this.#host.renderRoot.querySelectorAll<HTMLElement>('[data-unread]')) this.#observer.observe(el);
  }

  /** Forgets what was observed (another conversation is shown). */
  reset() {
    this.#observer?.disconnect();
    this.#observer = null;
    this.#visible.clear();
  }

  #onIntersect(entries: IntersectionObserverEntry[]) {
    const log = this.#root();
    for (const e of entries) {
      const id = (e.target as HTMLElement).dataset.id;
      if (!id) continue;
      const view = Math.min(log?.clientHeight || Infinity, e.rootBounds?.height || Infinity);
      const seen = e.isIntersecting && (e.intersectionRatio >= 0.5 || e.intersectionRect.height >= view / 2);
      if (seen) this.#visible.add(id);
      else this.#visible.delete(id);
    }
    this.#send();
  }

  #onVisibility = () => this.#send();

  /** Each unread message on screen is read, once, while the page is visible. */
  #send() {
    if (document.visibilityState !== 'visible' || this.#visible.size === 0) return;
    for (const id of [...this.#visible]) {
      if (!this.#read(id)) continue;
      this.#visible.delete(id);
      const el = this.#host.renderRoot.querySelector(`[data-id="${CSS.escape(id)}"]`);
      if (el) this.#observer?.unobserve(el);
    }
  }
}
