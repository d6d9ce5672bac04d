// The demo pages' script (index.html with the signaling server, serverless.html with a
// BroadcastChannel): it only wires the four elements together through their documented
// attributes, properties and events, and keeps the list of who is online.
//
//   pick a name → <jsongle-connection user=… display-name=… (url=…)> connects;
//   who is online → the server: the `lobby` multi-user room (its members, then joined/left events);
//                   serverless: a roll call on a second BroadcastChannel;
//   call → <jsongle-dialer call="call"> or the buttons of the list → <jsongle-call>;
//   chat → one <jsongle-chat with="name"> per person, the one of the current call shown beside it.
//
// Everything that comes from the network is put in the page with textContent, never as HTML.
import type { JSONgle, JsongleCall, JsongleChat, JsongleConnection, JsongleDialer } from '../components/index.ts';

await Promise.all(['jsongle-connection', 'jsongle-call', 'jsongle-chat', 'jsongle-dialer'].map((t) => customElements.whenDefined(t)));

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const connection = $<JsongleConnection>('connection');
const callEl = $<JsongleCall>('call');
const dialer = $<JsongleDialer>('dialer');
const serverless = connection.transport === 'broadcast-channel';
const LOBBY = 'lobby';
const NAME_KEY = 'jsongle-demo-name';

// ---- the name ----------------------------------------------------------------------------------

/** What is wrong with `name` as a user id ('' when nothing). */
function nameProblem(name: string): string {
  if (!name) return 'Enter a name.';
  if (name.length > 64) return 'A name has at most 64 characters.';
  if (/\s/.test(name)) return 'A name cannot contain spaces.';
  if (name.includes('/')) return 'A name cannot contain “/”.';
  if (name === LOBBY) return `“${LOBBY}” is the name of the lobby: pick another one.`;
  return '';
}

const form = $<HTMLFormElement>('sign-in');
const nameInput = $<HTMLInputElement>('name');
form.addEventListener('submit', (e) => {
  e.preventDefault();
  const name = nameInput.value.trim();
  const problem = nameProblem(name);
  $('name-error').textContent = problem;
  nameInput.setAttribute('aria-invalid', problem ? 'true' : 'false');
  if (!problem) start(name);
});
$('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(NAME_KEY);
  const url = new URL(location.href);
  url.searchParams.delete('name');
  location.assign(url); // a fresh page: the connection element closes its client when it goes
});

function start(name: string) {
  sessionStorage.setItem(NAME_KEY, name); // this tab keeps its name when reloaded
  form.hidden = true;
  $('me').textContent = `as ${name}`;
  $('sign-out').hidden = false;
  if (!serverless) {
    const token = new URLSearchParams(location.search).get('token');
    connection.url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    if (token) connection.token = token;
  }
  connection.displayName = name;
  connection.user = name; // with the url (or the channel), enough to connect
  connection.hidden = false;
  if (serverless) rollCall(name);
}

// ---- connection state and messages to the visitor ----------------------------------------------

const STATE_TEXT: Record<string, string> = {
  idle: 'Not connected', connecting: 'Connecting…', open: 'Connected', reconnecting: 'Connection lost, reconnecting…', closed: 'Offline',
};

function showState() {
  const state = connection.state;
  const out = $('state');
  out.dataset.state = state;
  out.textContent = serverless && state === 'open' ? 'Ready (no server)' : STATE_TEXT[state] ?? state;
}

connection.addEventListener('jsongle-connection-change', () => {
  showState();
  watch(connection.client); // a new client after a failed connection: follow it
  if (!serverless && connection.state !== 'open') {
    online.clear(); // the lobby is joined again, and listed again, once reconnected
    renderPeople();
  }
});
connection.addEventListener('jsongle-error', (e) => {
  const { error } = e.detail;
  // The server's own errors (a refused name, a full server…) are worth telling; the rest is logged.
  if (error.code === 'session-error' || error.code === 'transport') notify(`Signaling: ${error.message}`);
  else console.warn(error);
});

const notice = $('notice');
function notify(text: string) {
  $('notice-text').textContent = text;
  notice.hidden = false;
}
$('notice-close').addEventListener('click', () => { notice.hidden = true; });

// ---- who is online -----------------------------------------------------------------------------

const online = new Map<string, string>(); // uid → display name
const unread = new Map<string, number>();

function setOnline(uid: unknown, dn: unknown, here: boolean) {
  if (typeof uid !== 'string' || nameProblem(uid) || uid === connection.user) return;
  if (here) {
    online.set(uid, typeof dn === 'string' && dn ? dn : uid);
    chatWith(uid); // ready before their first message
  } else online.delete(uid);
  renderPeople();
}

let client: JSONgle | null = null;
let stopWatching = () => {};

/** Follows the connection's client: joins the lobby each time it registers (a reconnection is a new member). */
function watch(next: JSONgle | null) {
  if (next === client || serverless) return;
  stopWatching();
  client = next;
  online.clear();
  renderPeople();
  if (!next) return;
  const registered = () => void joinLobby(next);
  const event = (event: { action: string; event?: string; description?: unknown }, from: string) => {
    // A call missed while this page was closed (stored by the server, delivered on the hello): the
    // chat with the caller opens; it shows the missed call from its history.
    if (event.action === 'session-event' && event.event === 'missed-call') return missedCall(from);
    const d = (event.description ?? {}) as { rid?: unknown; member?: { uid?: unknown; dn?: unknown } };
    if (event.action !== 'session-event' || d.rid !== LOBBY) return;
    if (event.event === 'joined') setOnline(d.member?.uid, d.member?.dn, true);
    // One of the member's connections left: they may still be here from another tab, ask again.
    if (event.event === 'left') void joinLobby(next);
  };
  next.on('registered', registered);
  next.on('event', event);
  stopWatching = () => {
    next.off('registered', registered);
    next.off('event', event);
  };
  if (next.registered) registered();
}

/** `muc-join` answers with the other members (joining again only refreshes the list). */
async function joinLobby(c: JSONgle) {
  try {
    const { members } = await c.request(c.server, 'muc-join', { rid: LOBBY });
    if (c !== client) return;
    online.clear();
    for (const m of Array.isArray(members) ? members : []) setOnline(m?.uid, m?.dn, true);
    renderPeople();
  } catch (e) {
    if (c === client) notify(`Cannot list who is online (${(e as Error).message}); you can still call someone by name.`);
  }
}

/** Without a server: the tabs of this browser tell each other who they are on a channel of their own. */
function rollCall(name: string) {
  const channel = new BroadcastChannel(`${connection.channel || 'jsongle'}:presence`);
  const say = (type: 'hello' | 'here' | 'bye') => channel.postMessage({ type, uid: name });
  channel.onmessage = ({ data }) => {
    if (data?.type === 'bye') {
      setOnline(data.uid, '', false);
      say('hello'); // the same name may still be open in another tab
    } else {
      setOnline(data?.uid, data?.uid, true);
      if (data?.type === 'hello') say('here');
    }
  };
  say('hello');
  addEventListener('pagehide', () => say('bye'));
}

function renderPeople() {
  const list = $('people');
  const items = [...online].sort(([a], [b]) => a.localeCompare(b)).map(([uid, dn]) => {
    const li = document.createElement('li');
    li.dataset.uid = uid;
    const who = button('person', dn, () => select(uid));
    who.setAttribute('aria-pressed', String(selected === uid));
    who.title = `Chat with ${dn}`;
    const count = unread.get(uid);
    if (count) {
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = String(count);
      badge.setAttribute('aria-label', `${count} unread`);
      who.append(badge);
    }
    li.append(who, button('audio', 'Audio', () => place(uid, 'audio'), `Audio call ${dn}`),
      button('video', 'Video', () => place(uid, 'video'), `Video call ${dn}`));
    return li;
  });
  list.replaceChildren(...items);
  $('people-empty').hidden = items.length > 0;
}

function button(className: string, text: string, onClick: () => void, label?: string) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = text;
  if (label) b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

// ---- calls -------------------------------------------------------------------------------------

/** A call from the list: through the dialer, as if typed there (same checks, same `jsongle-dial`). */
function place(uid: string, media: 'audio' | 'video') {
  dialer.value = uid;
  dialer.dial(media);
}

dialer.addEventListener('jsongle-dial', (e) => select(e.detail.to));
callEl.addEventListener('jsongle-incoming-call', (e) => select(e.detail.from));
callEl.addEventListener('jsongle-call-change', (e) => {
  document.body.dataset.call = e.detail.state; // the layout puts a live call first on small screens
  if (e.detail.state === 'ringing' && callEl.currentCall && !callEl.currentCall.outgoing) notice.hidden = true;
});
callEl.addEventListener('jsongle-call-end', (e) => {
  if (e.detail.ticket?.cause === 'answered-elsewhere') notify('The call was answered in another tab or device.');
});

// Camera or microphone refused or missing: say which, and what to do.
callEl.addEventListener('jsongle-error', (e) => {
  const { error } = e.detail;
  const { device, reason } = (error.detail ?? {}) as { device?: string; reason?: string };
  if (error.code !== 'media' || !device || !reason) return; // the element shows the others itself
  const what = device.replace('+', ' and '); // microphone, camera, or microphone and camera
  const orAudio = device === 'camera' ? ', or make an audio call' : '';
  const advice: Record<string, string> = {
    denied: `Access to the ${what} was refused. Allow it for this site (the icon in the address bar), then call again${orAudio}.`,
    'not-found': `No ${device.replace('+', ' or ')} was found. Plug one in and call again${orAudio}.`,
    'in-use': `The ${what} ${device.includes('+') ? 'are' : 'is'} in use by another application or tab, or could not be started.`,
    unsupported: `This page cannot use the ${what}: browsers allow it only on https:// or http://localhost.`,
  };
  notify(advice[reason] ?? `The ${what} could not be opened.`);
});

// ---- devices -----------------------------------------------------------------------------------

// Microphone and camera pickers: the call element's audio-input / video-input properties. Device
// names only appear once the page may use the devices (after the first call starts), so the lists
// are filled again then, and whenever a device is plugged in or out.
const pickers = { audioinput: $<HTMLSelectElement>('microphone'), videoinput: $<HTMLSelectElement>('camera') };

async function listDevices() {
  const devices = (await navigator.mediaDevices?.enumerateDevices?.().catch(() => [])) ?? [];
  for (const [kind, select] of Object.entries(pickers)) {
    const current = kind === 'audioinput' ? callEl.audioInput : callEl.videoInput;
    const list = devices.filter((d) => d.kind === kind && d.deviceId);
    const noun = kind === 'audioinput' ? 'Microphone' : 'Camera';
    select.replaceChildren(...list.map((d, i) => new Option(d.label || `${noun} ${i + 1}`, d.deviceId, false, d.deviceId === current)));
  }
  $('devices').hidden = devices.every((d) => !d.deviceId);
}

pickers.audioinput.addEventListener('change', () => { callEl.audioInput = pickers.audioinput.value; });
pickers.videoinput.addEventListener('change', () => { callEl.videoInput = pickers.videoinput.value; });
navigator.mediaDevices?.addEventListener?.('devicechange', () => void listDevices());
callEl.addEventListener('jsongle-call-change', (e) => { if (e.detail.state === 'active' && e.detail.previous !== 'active') void listDevices(); });
void listDevices();

// ---- chat --------------------------------------------------------------------------------------

const chats = new Map<string, JsongleChat>();
let selected = '';

/** The conversation with `uid`, created (hidden) the first time. */
function chatWith(uid: string): JsongleChat {
  let chat = chats.get(uid);
  if (!chat) {
    chat = document.createElement('jsongle-chat');
    chat.setAttribute('with', uid);
    chat.hidden = true;
    chat.addEventListener('jsongle-message', () => {
      if (!selected) return select(uid);
      if (selected !== uid) {
        unread.set(uid, (unread.get(uid) ?? 0) + 1);
        renderPeople();
      }
    });
    $('chats').append(chat);
    chats.set(uid, chat);
  }
  return chat;
}

function missedCall(uid: string) {
  if (typeof uid !== 'string' || nameProblem(uid) || uid === connection.user) return;
  chatWith(uid);
  if (!selected) return select(uid);
  if (selected !== uid) {
    unread.set(uid, (unread.get(uid) ?? 0) + 1);
    renderPeople();
  }
}

function select(uid: string) {
  if (nameProblem(uid)) return;
  selected = uid;
  const chat = chatWith(uid);
  for (const c of chats.values()) c.hidden = c !== chat;
  unread.delete(uid);
  $('chat-title').textContent = `Chat with ${online.get(uid) ?? uid}`;
  $('chat-hint').hidden = true;
  renderPeople();
}

// ---- go ------------------------------------------------------------------------------------------

showState();
// This tab's name from before a reload, or `?name=` (also what the form sends if it is submitted
// before this script has run).
const saved = sessionStorage.getItem(NAME_KEY) ?? new URLSearchParams(location.search).get('name');
if (saved && !nameProblem(saved)) start(saved);
else {
  nameInput.value = saved ?? '';
  nameInput.focus();
}
(globalThis as { demo?: unknown }).demo = { connection, call: callEl, dialer, chats, online }; // for the console
