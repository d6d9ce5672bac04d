// dist/autoloader.js: one small script that defines each element the first time its tag appears,
// in the document or in an open shadow root, by importing that element's chunk (lit, the core and
// the shared element code are chunks of their own). Nothing is fetched for a tag the page never
// uses. The pattern of Shoelace's and Web Awesome's autoloaders.
//
// Shadow roots: a MutationObserver on the document does not see inside shadow roots, and a custom
// element of the page's framework may attach its root after our first look (when it is upgraded).
// So open roots are observed as they are attached (attachShadow is wrapped: same arguments, same
// result, the root is only observed) and those that exist already are found once at start.
import type { Translation } from './translations/index.ts';

/**
 * registerTranslation() of the main entry, applied once the shared chunk is there (it holds the
 * tables; importing it here at once would fetch it on pages that use no element).
 */
export const registerTranslation = (lang: string, table: Partial<Translation>): Promise<void> =>
  import('./translations/index.ts').then((m) => m.registerTranslation(lang, table));

const chunks: Record<string, () => Promise<unknown>> = {
  'jsongle-connection': () => import('./connection/jsongle-connection.ts'),
  'jsongle-call': () => import('./call/jsongle-call.ts'),
  'jsongle-chat': () => import('./chat/jsongle-chat.ts'),
  'jsongle-dialer': () => import('./dialer/jsongle-dialer.ts'),
};
const tags = Object.keys(chunks);
const loading = new Map<string, Promise<unknown>>();

/** Imports the chunk of `tag` once; resolves when the element is defined. */
export function load(tag: string): Promise<unknown> {
  let p = loading.get(tag);
  if (!p) {
    p = chunks[tag]().catch((e) => {
      loading.delete(tag); // a failed fetch (offline) may be retried by the next appearance
      console.error(`jsongle-elements: could not load <${tag}>`, e);
    });
    loading.set(tag, p);
  }
  return p;
}

const observer = new MutationObserver((records) => {
  for (const r of records) for (const n of r.addedNodes) if (n.nodeType === 1) discover(n as Element);
});

/** Loads the elements used in `root` and watches the open shadow roots found there. */
export function discover(root: Element | Document | ShadowRoot) {
  const found = [...root.querySelectorAll('*')];
  if (root instanceof Element) found.push(root);
  for (const el of found) {
    const tag = el.localName;
    if (tags.includes(tag) && !customElements.get(tag)) load(tag);
    if (el.shadowRoot) watch(el.shadowRoot);
  }
}

const watched = new WeakSet<Node>();
function watch(root: Document | ShadowRoot) {
  if (watched.has(root)) return;
  watched.add(root);
  observer.observe(root, { childList: true, subtree: true });
  discover(root);
}

const attachShadow = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (this: Element, init: ShadowRootInit) {
  const root = attachShadow.call(this, init);
  if (init.mode === 'open') watch(root);
  return root;
};

watch(document);
