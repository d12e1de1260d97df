import type { ReactNode } from 'react';
import { useI18n } from '../../i18n';
import { sourceFlags, type Sourced, type SourcedRange } from './types';

/** The flags a source carries, as visible badges: UNVERIFIED, design value, DERIVED. */
export function SourceFlags({ source }: { source: string }) {
  const { t } = useI18n();
  const flags = sourceFlags(source);
  if (flags.length === 0) return null;
  return (
    <>
      {flags.map((f) => (
        <span key={f} className={`proto-flag proto-flag-${f}`} data-flag={f}>
          {t(`protocols.flag.${f}`)}
        </span>
      ))}{' '}
    </>
  );
}

/** A source as written in the protocol (English reference data), with its flags first. */
export function SourceText({ source }: { source: string }) {
  return (
    <span className="proto-source">
      <SourceFlags source={source} />
      <span lang="en">{source}</span>
    </span>
  );
}

/** A value, or a value with the range an operator may choose within. */
export function ValueText({ v, unit }: { v: Sourced | SourcedRange; unit: string }) {
  const { t, number } = useI18n();
  const u = unit === '' ? '' : ` ${unit}`;
  if ('min' in v && (v.min !== v.value || v.max !== v.value)) {
    return (
      <>
        <strong>
          {number(v.value)}
          {u}
        </strong>{' '}
        <span className="muted">
          {t('protocols.range', { min: number(v.min), max: number(v.max) })}
          {u}
        </span>
      </>
    );
  }
  return (
    <strong>
      {number(v.value)}
      {u}
    </strong>
  );
}

export interface SourcedRow {
  key: string;
  label: string;
  value: Sourced | SourcedRange | undefined;
  unit: string;
}

/** A table of sourced numbers: what it is, its value and unit, and where it comes from. */
export function SourcedTable({ caption, rows, extra }: { caption: string; rows: SourcedRow[]; extra?: ReactNode }) {
  const { t } = useI18n();
  const present = rows.filter((r): r is SourcedRow & { value: Sourced | SourcedRange } => r.value !== undefined);
  return (
    <div className="table-scroll lab-scroll">
      <table className="proto-values">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('protocols.quantity')}</th>
            <th scope="col">{t('protocols.value')}</th>
            <th scope="col">{t('protocols.source')}</th>
          </tr>
        </thead>
        <tbody>
          {present.map((r) => (
            <tr key={r.key} data-quantity={r.key}>
              <th scope="row">{r.label}</th>
              <td className="proto-value">
                <ValueText v={r.value} unit={r.unit} />
              </td>
              <td>
                <SourceText source={r.value.source} />
              </td>
            </tr>
          ))}
          {extra}
        </tbody>
      </table>
    </div>
  );
}
