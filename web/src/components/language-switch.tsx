import { useId } from 'react';
import { LANG_NAMES, LANGS, type Lang } from '../i18n/define';
import { useI18n } from '../i18n';

/** The language picker; each language is named in itself so a reader of any of them can find theirs. */
export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  const id = useId();
  return (
    <div className="language-switch">
      <label htmlFor={id}>{t('common.language')}</label>
      <select id={id} value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
        {LANGS.map((l) => (
          <option key={l} value={l} lang={l}>
            {LANG_NAMES[l]}
          </option>
        ))}
      </select>
    </div>
  );
}
