/** The languages of the web app; every string exists in each (a test checks keys and placeholders). */
export const LANGS = ['en', 'fr', 'it'] as const;
export type Lang = (typeof LANGS)[number];

/** Native names, shown in the language switcher whatever the current language is. */
export const LANG_NAMES: Record<Lang, string> = { en: 'English', fr: 'Français', it: 'Italiano' };

/**
 * One area's strings in every language. French and Italian must have exactly the English keys (the compiler checks),
 * so a string added in English and forgotten elsewhere does not build. Placeholders are `{name}`.
 */
export function defineMessages<const K extends string>(m: {
  en: Record<K, string>;
  fr: Record<NoInfer<K>, string>;
  it: Record<NoInfer<K>, string>;
}): { en: Record<K, string>; fr: Record<K, string>; it: Record<K, string> } {
  return m;
}
