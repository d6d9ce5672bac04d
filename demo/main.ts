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

// The elements of the markup are defined (by the one file at once, or by the autoloader when it has
// fetched their chunks); the chats this script creates later are defined as they are added.
const tags = new Set([...document.querySelectorAll(':not(:defined)')].map((e) => e.localName).filter((n) => n.startsWith('jsongle-')));
await Promise.all([...tags].map((t) => customElements.whenDefined(t)));

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
/** Say what is wrong with the name typed ('' clears it); `taken` also offers to share it. */
function nameError(problem: string, taken = false) {
  $('name-error').textContent = problem;
  $('name-taken').hidden = !taken;
  nameInput.setAttribute('aria-invalid', problem ? 'true' : 'false');
}
form.addEventListener('submit', (e) => {
  e.preventDefault();
  const name = nameInput.value.trim();
  const problem = nameProblem(name);
  nameError(problem);
  if (!problem) start(name);
});
// A name already online is refused, unless its owner says it is them (the same person in two tabs:
// both ring, as on two phones).
$('name-shared').addEventListener('click', () => start(nameInput.value.trim(), true));
$('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(NAME_KEY);
  const url = new URL(location.href);
  url.searchParams.delete('name');
  location.assign(url); // a fresh page: the connection element closes its client when it goes
});

/** Whether this tab may use its name without asking who else has it (its own, or shared on purpose). */
let nameChecked = false;

function start(name: string, shared = false) {
  nameChecked = shared;
  sessionStorage.setItem(NAME_KEY, name); // this tab keeps its name when reloaded
  nameError('');
  form.hidden = true;
  $('me').textContent = `as ${name}`;
  $('sign-out').hidden = false;
  if (!serverless) {
    // The page's own ?token= (JSONGLE_APP_TOKEN) goes on to the WebSocket URL, as the server expects it.
    const token = new URLSearchParams(location.search).get('token');
    connection.url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  }
  connection.displayName = name;
  connection.user = name; // with the url (or the channel), enough to connect
  connection.hidden = false;
  // After a refusal the element still has this configuration on record (it went idle without
  // connecting): ask it to connect again.
  if (refused) connection.reconnect();
  refused = false;
  if (serverless) rollCall(name);
  dialer.focus(); // the form went away: focus goes to what comes next, not to <body>
}

let refused = false;
/** Back to the form: `name` is online already (another tab, or somebody else). */
function refuseName(name: string) {
  refused = true;
  sessionStorage.removeItem(NAME_KEY);
  connection.url = ''; // without a url nor a user, the connection closes
  connection.user = '';
  connection.hidden = true;
  $('me').textContent = '';
  $('sign-out').hidden = true;
  form.hidden = false;
  nameInput.value = name;
  nameError(`“${name}” is already online. Pick another name.`, true);
  nameInput.focus();
}

const PRESENCE = 'demo-presence';
/**
 * Whether another connection uses this client's name: a request to our own id reaches our other
 * connections (whose page answers it), and the server refuses it when there is none.
 */
async function nameTaken(c: JSONgle): Promise<boolean> {
  try {
    await c.request(c.id, PRESENCE, {});
    return true;
  } catch (e) {
    const detail = (e as { detail?: { from?: string; errorCode?: number } }).detail;
    return !(detail?.from === c.server && detail?.errorCode === 404003);
  }
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
  const registered = async () => {
    if (!nameChecked && await nameTaken(next)) return refuseName(next.id);
    nameChecked = true; // a reconnection keeps the name
    if (next === client) void joinLobby(next);
  };
  const request = (query: { query?: string; transaction?: string }, from: string) => {
    if (query.query === PRESENCE && from === next.id && query.transaction) next.answer(from, PRESENCE, {}, query.transaction).catch(() => {});
  };
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
  next.on('request', request);
  stopWatching = () => {
    next.off('registered', registered);
    next.off('event', event);
    next.off('request', request);
  };
  if (next.registered) void registered();
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

const rows = new Map<string, HTMLLIElement>();

/**
 * The list of who is online. Each person keeps their row (and its buttons) from one rendering to
 * the next, so a focused button stays focused; long names end with an ellipsis, whole in a tooltip.
 */
function renderPeople() {
  const list = $('people');
  for (const [uid, row] of rows) if (!online.has(uid)) { row.remove(); rows.delete(uid); }
  const sorted = [...online].sort(([a], [b]) => a.localeCompare(b));
  sorted.forEach(([uid, dn], i) => {
    let li = rows.get(uid);
    if (!li) {
      li = document.createElement('li');
      li.dataset.uid = uid;
      const who = button('person', '', () => select(uid));
      const name = document.createElement('span');
      name.className = 'name';
      const badge = document.createElement('span');
      badge.className = 'badge';
      who.append(name, badge);
      li.append(who, button('audio', 'Audio', () => place(uid, 'audio')), button('video', 'Video', () => place(uid, 'video')));
      rows.set(uid, li);
    }
    const [who, audio, video] = li.children as unknown as HTMLButtonElement[];
    who.querySelector('.name')!.textContent = dn;
    who.title = dn === uid ? dn : `${dn} (${uid})`;
    who.setAttribute('aria-pressed', String(selected === uid));
    who.setAttribute('aria-label', `Chat with ${dn}`);
    const count = unread.get(uid) ?? 0;
    const badge = who.querySelector<HTMLElement>('.badge')!;
    badge.hidden = !count;
    badge.textContent = count ? String(count) : '';
    if (count) who.setAttribute('aria-label', `Chat with ${dn}, ${count} unread`);
    audio.setAttribute('aria-label', `Audio call ${dn}`);
    video.setAttribute('aria-label', `Video call ${dn}`);
    audio.title = `Audio call ${dn}`;
    video.title = `Video call ${dn}`;
    // Moved only when the order changed: moving a row would take the focus away from its button.
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] ?? null);
  });
  $('people-empty').hidden = sorted.length > 0;
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
  showDevices();
  if (e.detail.state === 'ringing' && callEl.currentCall && !callEl.currentCall.outgoing) notice.hidden = true;
});
callEl.addEventListener('jsongle-call-end', (e) => {
  if (e.detail.ticket?.endedReason === 'answered-elsewhere') notify('The call was answered in another tab or device.');
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
  known = devices.some((d) => d.deviceId);
  showDevices();
}

let known = false;
/** The pickers, only while a call is on (and the camera one only for a video call). */
function showDevices() {
  const call = callEl.currentCall;
  // Not while a call rings here: the pickers come with the call, once answered.
  const live = !!call && !call.ended && callEl.state !== 'idle' && !(callEl.state === 'ringing' && !call.outgoing);
  $('devices').hidden = !live || !known;
  $('camera-picker').hidden = call?.media === 'audio';
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
