// The system notification of an incoming call while the page is hidden (the `notify` attribute of
// <jsongle-call>). Permission is asked only by a page that set `notify`; a refusal is final.

const api = () => (globalThis as { Notification?: typeof Notification }).Notification;

const GESTURES = ['click', 'keydown'] as const;
let asking = false;

/**
 * Asks for permission once, if the browser has not been asked yet, at the page's next click or key
 * press: browsers refuse (Firefox with a console error) a request made outside a user gesture.
 */
export function askNotificationPermission() {
  const N = api();
  if (N?.permission !== 'default' || asking) return;
  asking = true;
  const ask = () => {
    for (const type of GESTURES) document.removeEventListener(type, ask, true);
    if (N.permission === 'default') void Promise.resolve(N.requestPermission()).catch(() => {});
  };
  for (const type of GESTURES) document.addEventListener(type, ask, true);
}

/**
 * Shows `title` / `body` when the page is hidden and permission was given; a click brings the page
 * forward and runs `onClick`. Returns the function that closes it (the call stopped ringing).
 */
export function notifyIncoming(title: string, body: string, tag: string, onClick: () => void): () => void {
  const N = api();
  if (!N || N.permission !== 'granted' || document.visibilityState !== 'hidden') return () => {};
  let shown: Notification;
  try {
    shown = new N(title, { body, tag, requireInteraction: true });
  } catch {
    return () => {}; // some mobile browsers allow notifications from a service worker only
  }
  shown.onclick = () => {
    window.focus();
    shown.close();
    onClick();
  };
  return () => shown.close();
}
