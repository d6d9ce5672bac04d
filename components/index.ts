// The package's main entry (`jsongle-elements`) and the CDN bundle (dist/jsongle-elements.min.js):
// defines every element, re-exports their classes, events, the core client and the pieces other
// elements build on. Not here, to keep the CDN file small: French (`jsongle-elements/translations/fr`)
// and the memory / BroadcastChannel / Socket.IO transports (`jsongle-elements/transports`).
// Each element is defined by its own module (the autoloader's chunks); importing them here, in this
// order, defines all four.
export { JsongleConnection } from './connection/jsongle-connection.ts';
export { JsongleCall } from './call/jsongle-call.ts';
export { JsongleChat } from './chat/jsongle-chat.ts';
export { JsongleDialer } from './dialer/jsongle-dialer.ts';
export { Conversation, type ChatMessage, type ChatEntry, type DeliveryState, type SystemLine } from '../src/chat/conversation.ts';
export type { HistoryEntry } from './dialer/dialer.ts';
export * from './events.ts';
export { JsongleElement } from './internal/base.ts';
export { ClientController, listen } from './internal/client-controller.ts';
export { registerTranslation, translate, type Translation, type TranslationKey } from './translations/index.ts';
export { en } from './translations/en.ts';
export { MediaSession, attachMedia, type MediaSessionOptions, type MediaSummary } from '../src/media/peer.ts';
export type { MediaConstraintsOptions } from '../src/media/devices.ts';
export { estimateMos, routeOf } from '../src/media/stats.ts';
export { JSONgle } from '../src/client.ts';
