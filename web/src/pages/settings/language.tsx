import { LANG_NAMES, LANGS } from '../../i18n/define';
import { useI18n } from '../../i18n';

/** The language, explained and offered here as in the header; the choice is kept in this browser. */
export function LanguageSection() {
  const { t, lang, setLang } = useI18n();
  return (
    <section className="card" aria-labelledby="settings-language">
      <h2 id="settings-language">{t('settings.language')}</h2>
      <p className="hint">{t('settings.languageIntro')}</p>
      <fieldset>
        <legend>{t('settings.languageChoose')}</legend>
        <div className="settings-choices">
          {LANGS.map((l) => (
            <label key={l} className="lab-choice" lang={l}>
              <input type="radio" name="settings-lang" value={l} checked={lang === l} onChange={() => setLang(l)} />
              {LANG_NAMES[l]}
            </label>
          ))}
        </div>
      </fieldset>
    </section>
  );
}
