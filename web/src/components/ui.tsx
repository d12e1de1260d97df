import { useCallback, useEffect, useId, useRef, useState, type InputHTMLAttributes, type ReactNode } from 'react';
import { ApiError } from '../api';
import { useT, type MessageKey } from '../i18n';
import { takeFocusRequest } from '../router';

/** A page: its heading (focused after navigation, so screen readers announce the new page) and its content. */
export function Page({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (takeFocusRequest()) ref.current?.focus();
  }, []);
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1} ref={ref}>
          {title}
        </h1>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

/** A message that stands out: `alert` tones interrupt screen readers, `info`/`success` are polite. */
export function Banner({
  tone,
  title,
  children,
  testId,
  live = true,
}: {
  tone: 'info' | 'success' | 'warning' | 'danger';
  title?: string;
  children?: ReactNode;
  testId?: string;
  /**
   * Announce it when it appears (default). False for standing information shown as the page loads (a stored
   * refusal), which screen readers read with the page instead of interrupting.
   */
  live?: boolean;
}) {
  const assertive = tone === 'danger' || tone === 'warning';
  const role = !live ? undefined : assertive ? 'alert' : 'status';
  return (
    <div className={`banner banner-${tone}`} role={role} data-testid={testId}>
      {title ? <strong className="banner-title">{title}</strong> : null}
      {children ? <div>{children}</div> : null}
    </div>
  );
}

/** An API error in the user's language: the catalogue code's message, the fields it names, and the server's detail. */
export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT();
  if (error === undefined || error === null) return null;
  let message: string;
  let detail: string | undefined;
  let fields: readonly { path: string; message: string }[] = [];
  if (error instanceof ApiError) {
    const key = `error.${error.code}` as MessageKey;
    message = error.code === 'network' ? t('error.network') : t(key) !== key ? t(key) : t('error.title');
    detail = error.code === 'network' ? undefined : error.detail;
    fields = error.errors;
  } else {
    message = t('error.title');
    detail = error instanceof Error ? error.message : String(error);
  }
  return (
    <div className="banner banner-danger" role="alert">
      <strong className="banner-title">{message}</strong>
      {detail ? <p className="error-detail">{detail}</p> : null}
      {fields.length > 0 ? (
        <ul>
          {fields.map((f) => (
            <li key={f.path + f.message}>
              {t('error.field', { field: f.path })}: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          {t('common.retry')}
        </button>
      ) : null}
    </div>
  );
}

export function Loading() {
  const t = useT();
  return (
    <p className="loading" role="status" aria-live="polite">
      {t('common.loading')}
    </p>
  );
}

interface FieldProps {
  label: string;
  hint?: string;
  error?: string;
  required?: boolean;
  children: (props: {
    id: string;
    'aria-describedby'?: string;
    'aria-invalid'?: boolean;
    required?: boolean;
  }) => ReactNode;
}

/**
 * A number field whose value stays the text typed (a half-typed "1." is kept; the form parses it when sent);
 * `decimal` allows fractions (currents), otherwise whole numbers (days, sessions).
 */
export function NumberInput({
  value,
  onValue,
  decimal = false,
  ...rest
}: { value: string; onValue: (v: string) => void; decimal?: boolean } & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'value' | 'onChange' | 'type' | 'inputMode' | 'step'
>) {
  return (
    <input
      {...rest}
      type="number"
      inputMode={decimal ? 'decimal' : 'numeric'}
      step={decimal ? 'any' : 1}
      value={value}
      onChange={(e) => onValue(e.target.value)}
    />
  );
}

/** A labelled control with its hint and error tied to it for assistive technology. */
export function Field({ label, hint, error, required, children }: FieldProps) {
  const t = useT();
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {label}
        {required ? <span className="required"> ({t('common.required')})</span> : null}
      </label>
      {children({
        id,
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
        ...(error ? { 'aria-invalid': true } : {}),
        ...(required ? { required: true } : {}),
      })}
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/**
 * Loads data when `deps` change; a newer load wins over an older one still in flight, and a load for a page that is
 * gone is dropped.
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load(ctrl.signal).then(
      (data) => {
        if (!ctrl.signal.aborted) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (!ctrl.signal.aborted) setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
    return () => ctrl.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}
