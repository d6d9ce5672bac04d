// The package's main entry (`jsongle-elements`) and the CDN bundle (dist/jsongle-elements.min.js):
// defines every element, re-exports their classes, events, the core client and the pieces other
// elements build on. Not here, to keep the CDN file small: French (`jsongle-elements/translations/fr`)
// and the memory / BroadcastChannel / Socket.IO transports (`jsongle-elements/transports`).
import { JsongleCall } from './call/call.ts';
import { JsongleChat } from './chat/chat.ts';
import { JsongleConnection } from './connection/connection.ts';
import { JsongleDialer } from './dialer/dialer.ts';

export { JsongleCall, JsongleChat, JsongleConnection, JsongleDialer };
export { Conversation, type ChatMessage, type ChatEntry, type DeliveryState, type SystemLine } from '../src/chat/conversation.ts';
export type { HistoryEntry } from './dialer/dialer.ts';
export * from './events.ts';
export { JsongleElement } from './internal/base.ts';
export { ClientController, listen } from './internal/client-controller.ts';
export { registerTranslation, translate, en, type Translation, type TranslationKey } from './translations/index.ts';
export { MediaSession, attachMedia, type MediaSessionOptions, type MediaSummary } from '../src/media/peer.ts';
export type { MediaConstraintsOptions } from '../src/media/devices.ts';
export { estimateMos, routeOf } from '../src/media/stats.ts';
export { JSONgle } from '../src/client.ts';

/** Defines `name` unless the page already has it (two copies of the bundle, a page's own subclass…). */
function define(name: string, constructor: CustomElementConstructor) {
  if (!customElements.get(name)) customElements.define(name, constructor);
}

define('jsongle-connection', JsongleConnection);
define('jsongle-call', JsongleCall);
define('jsongle-chat', JsongleChat);
define('jsongle-dialer', JsongleDialer);
