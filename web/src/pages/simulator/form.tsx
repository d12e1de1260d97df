import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Field } from '../../components/ui';
import { useI18n } from '../../i18n';
import { digitsFor } from './format';
import type { SimCatalogue, SimField, SimRequest } from './types';
import { parseNumber, validate, type FieldProblem, type FormText } from './validate';

const FIELDS: readonly SimField[] = ['drug', 'current_mA', 'minutes', 'area_cm2', 'electrode'];

/**
 * The simulator's inputs with the model's limits as hints. Each field says what is wrong as soon as it is changed
 * (or when Run is pressed), with the limit; a value the server refused is marked on its field until it is changed.
 */
export function SimulationForm({
  catalogue,
  busy,
  refused,
  onRun,
}: {
  catalogue: SimCatalogue;
  busy: boolean;
  /** The field the server's last refusal named, if any. */
  refused: SimField | undefined;
  onRun: (r: SimRequest) => void;
}) {
  const { t, number } = useI18n();
  const first = catalogue.items[0];
  const [text, setText] = useState<FormText>({
    drug: first?.id ?? '',
    current_mA: '4',
    minutes: '10',
    area_cm2: first ? String(first.default_area_cm2) : '',
    electrode: 'ag-agcl',
  });
  const [touched, setTouched] = useState<ReadonlySet<SimField>>(new Set());
  const [tried, setTried] = useState(false);
  const [serverField, setServerField] = useState<SimField | undefined>(undefined);
  useEffect(() => setServerField(refused), [refused]);
  const refs = useRef<Partial<Record<SimField, HTMLInputElement | HTMLSelectElement | null>>>({});

  const drug = catalogue.items.find((d) => d.id === text.drug);
  const { limits } = catalogue;
  const problems = validate(text, limits, drug);
  const n = (x: number) => number(x, digitsFor(x));

  const set = (field: SimField, value: string) => {
    setText((f) => {
      const next = { ...f, [field]: value };
      // A new drug comes with its usual electrode area.
      if (field === 'drug') {
        const d = catalogue.items.find((x) => x.id === value);
        if (d) next.area_cm2 = String(d.default_area_cm2);
      }
      return next;
    });
    setTouched((s) => new Set(s).add(field));
    if (serverField === field) setServerField(undefined);
  };

  const message = (p: FieldProblem | undefined, field: SimField): string | undefined => {
    if (p === undefined) return serverField === field ? t('simulator.error.server') : undefined;
    if (!tried && !touched.has(field)) return undefined;
    switch (p.kind) {
      case 'missing':
        return field === 'drug' ? t('simulator.error.chooseDrug') : t('simulator.error.missing');
      case 'notNumber':
        return t('simulator.error.notNumber');
      case 'above':
        return t('simulator.error.above', { min: n(p.min) });
      case 'atLeast':
        return t('simulator.error.atLeast', { min: n(p.min) });
      case 'atMost':
        return t('simulator.error.atMost', { max: n(p.max) });
      case 'density':
        return t('simulator.error.density', { got: n(p.got), max: n(p.max) });
      case 'charge':
        return t('simulator.error.charge', { got: n(p.got), max: n(p.max) });
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    const bad = FIELDS.find((f) => problems[f] !== undefined);
    if (bad !== undefined) {
      refs.current[bad]?.focus();
      return;
    }
    onRun({
      drug: text.drug,
      current_mA: parseNumber(text.current_mA),
      minutes: parseNumber(text.minutes),
      area_cm2: parseNumber(text.area_cm2),
      electrode: text.electrode === 'inert' ? 'inert' : 'ag-agcl',
    });
  };

  const current = parseNumber(text.current_mA);
  const minutes = parseNumber(text.minutes);
  const area = parseNumber(text.area_cm2);
  const derived =
    Number.isFinite(current) && Number.isFinite(minutes) && Number.isFinite(area) && area > 0
      ? t('simulator.derived', { density: n(current / area), dose: n(current * minutes) })
      : undefined;
  const anyError = FIELDS.some((f) => message(problems[f], f) !== undefined);

  return (
    <form className="card sim-form" onSubmit={submit} noValidate aria-labelledby="sim-inputs">
      <h2 id="sim-inputs">{t('simulator.inputs')}</h2>
      <Field
        label={t('simulator.drug')}
        required
        error={message(problems.drug, 'drug')}
        {...(drug
          ? {
              hint: t('simulator.drugInfo', {
                charge: drug.charge > 0 ? `+${drug.charge}` : `−${Math.abs(drug.charge)}`,
                pole: t(`simulator.pole.${drug.pole}`),
                mw: number(drug.mw_g_per_mol, 1),
              }),
            }
          : {})}
      >
        {(p) => (
          <select
            {...p}
            ref={(el) => {
              refs.current.drug = el;
            }}
            value={text.drug}
            onChange={(e) => set('drug', e.target.value)}
          >
            {catalogue.items.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      {drug ? (
        <p className="hint sim-sources">{t('simulator.drugSources', { sources: drug.sources.join(' ') })}</p>
      ) : null}
      <div className="sim-row">
        <Field
          label={t('simulator.current')}
          required
          hint={t('simulator.currentHint', {
            min: n(limits.current_mA.above),
            max: n(limits.current_mA.max),
            density: n(limits.density_mA_per_cm2.max),
          })}
          error={message(problems.current_mA, 'current_mA')}
        >
          {(p) => (
            <input
              {...p}
              ref={(el) => {
                refs.current.current_mA = el;
              }}
              type="number"
              inputMode="decimal"
              step="any"
              min={0}
              max={limits.current_mA.max}
              value={text.current_mA}
              onChange={(e) => set('current_mA', e.target.value)}
            />
          )}
        </Field>
        <Field
          label={t('simulator.minutes')}
          required
          hint={t('simulator.minutesHint', { min: n(limits.minutes.above), max: n(limits.minutes.max) })}
          error={message(problems.minutes, 'minutes')}
        >
          {(p) => (
            <input
              {...p}
              ref={(el) => {
                refs.current.minutes = el;
              }}
              type="number"
              inputMode="decimal"
              step="any"
              min={0}
              max={limits.minutes.max}
              value={text.minutes}
              onChange={(e) => set('minutes', e.target.value)}
            />
          )}
        </Field>
      </div>
      <Field
        label={t('simulator.area')}
        required
        hint={t('simulator.areaHint', {
          min: n(limits.area_cm2.min),
          max: n(limits.area_cm2.max),
          default: n(drug?.default_area_cm2 ?? 0),
        })}
        error={message(problems.area_cm2, 'area_cm2')}
      >
        {(p) => (
          <input
            {...p}
            ref={(el) => {
              refs.current.area_cm2 = el;
            }}
            type="number"
            inputMode="decimal"
            step="any"
            min={limits.area_cm2.min}
            max={limits.area_cm2.max}
            value={text.area_cm2}
            onChange={(e) => set('area_cm2', e.target.value)}
          />
        )}
      </Field>
      <Field
        label={t('simulator.electrode')}
        hint={
          text.electrode === 'ag-agcl' && typeof drug?.max_charge_mAmin_per_cm2 === 'number'
            ? t('simulator.chargeHint', { max: n(drug.max_charge_mAmin_per_cm2) })
            : t('simulator.electrodeHint')
        }
        error={message(problems.electrode, 'electrode')}
      >
        {(p) => (
          <select
            {...p}
            ref={(el) => {
              refs.current.electrode = el;
            }}
            value={text.electrode}
            onChange={(e) => set('electrode', e.target.value)}
          >
            {limits.electrodes.map((x) => (
              <option key={x} value={x}>
                {t(`simulator.electrode.${x}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <p className="muted sim-derived" aria-live="polite">
        {derived}
      </p>
      {tried && anyError ? (
        <p className="field-error" role="alert">
          {t('simulator.invalid')}
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
        {busy ? t('simulator.running') : t('simulator.run')}
      </button>
    </form>
  );
}
