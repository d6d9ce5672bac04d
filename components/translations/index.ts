// The translation tables and the lookup every element uses. Pages may add languages with
// registerTranslation('de', { ...en, ... }) — any missing key falls back to English.
import { en, type Translation, type TranslationKey } from './en.ts';
import { fr } from './fr.ts';

export { en, fr };
export type { Translation, TranslationKey };

const tables = new Map<string, Partial<Translation>>([['en', en], ['fr', fr]]);

/** Adds (or extends) the table for `lang` (`de`, `pt-BR`…). */
export function registerTranslation(lang: string, table: Partial<Translation>) {
  const key = lang.toLowerCase();
  tables.set(key, { ...tables.get(key), ...table });
}

/** The table for a BCP 47 tag: exact match, then its primary language, then English. */
export function tableFor(lang: string | null | undefined): Partial<Translation> {
  const tag = (lang ?? '').toLowerCase();
  return tables.get(tag) ?? tables.get(tag.split('-')[0]) ?? en;
}

/** The text for `key` in `lang`, with `{name}` placeholders replaced by `vars` (as text). */
export function translate(lang: string | null | undefined, key: TranslationKey, vars: Record<string, string | number> = {}): string {
  const text = tableFor(lang)[key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
