// The translation tables and the lookup every element uses. English is built in, each element's
// part added by the element's module (addEnglish), so a page carries the texts of the elements it
// uses only. Pages add other languages with registerTranslation('fr', fr)
// (components/translations/fr.ts, shipped as its own module) or their own table — any missing key
// falls back to English.
import { common } from './en/common.ts';
import type { Translation, TranslationKey } from './en.ts';

export type { Translation, TranslationKey };

const english: Partial<Translation> = { ...common };
const tables = new Map<string, Partial<Translation>>([['en', english]]);
const listeners = new Set<() => void>();

/** Adds an element's English texts to the built-in table (its module does, once). */
export function addEnglish(table: Partial<Translation>) {
  Object.assign(english, table);
}

/** Adds (or extends) the table for `lang` (`de`, `pt-BR`…); elements already shown re-render. */
export function registerTranslation(lang: string, table: Partial<Translation>) {
  const key = lang.toLowerCase();
  tables.set(key, { ...tables.get(key), ...table });
  for (const listener of listeners) listener();
}

/** Calls `listener` after every registerTranslation(); returns the function that stops it. */
export function onTranslationChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The table for a BCP 47 tag: exact match, then its primary language, then English. */
export function tableFor(lang: string | null | undefined): Partial<Translation> {
  const tag = (lang ?? '').toLowerCase();
  return tables.get(tag) ?? tables.get(tag.split('-')[0]) ?? english;
}

/** The text for `key` in `lang`, with `{name}` placeholders replaced by `vars` (as text). */
export function translate(lang: string | null | undefined, key: TranslationKey, vars: Record<string, string | number> = {}): string {
  const text = tableFor(lang)[key] ?? english[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
