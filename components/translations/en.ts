// English texts of every element: the reference table. Other languages are typed against it, so a
// missing key is a type error. `{name}` placeholders are filled by translate(); values are text.
// Each element brings its own part (./en/*.ts) with it, so a page downloads the texts of the
// elements it uses only.
import { call } from './en/call.ts';
import { chat } from './en/chat.ts';
import { common } from './en/common.ts';
import { connection } from './en/connection.ts';
import { dialer } from './en/dialer.ts';

export const en = { ...common, ...connection, ...call, ...chat, ...dialer } as const;

export type TranslationKey = keyof typeof en;
export type Translation = Record<TranslationKey, string>;
