import { useEffect, useId, useRef, useState } from 'react';
import { Banner } from '../../components/ui';
import { useI18n } from '../../i18n';

/**
 * A secret the server shows once (a script token, a device token): in a read-only field with a copy button, and a
 * warning that it cannot be shown again. Focus moves to it so keyboard and screen-reader users find it.
 */
export function SecretOnce({ title, secret, onDone }: { title: string; secret: string; onDone: () => void }) {
  const { t } = useI18n();
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | undefined>();
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, [secret]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      // The clipboard can be refused (permissions, an insecure origin): the text is selected for a manual copy.
      input.current?.select();
      setCopied('no');
    }
  }

  return (
    <div className="settings-secret" data-testid="secret-once">
      <Banner tone="warning" title={title}>
        {t('settings.secretOnce')}
      </Banner>
      <label htmlFor={id} className="settings-label">
        {t('settings.secretLabel')}
      </label>
      <div className="settings-secret-row">
        <input id={id} ref={input} readOnly value={secret} className="settings-secret-value" spellCheck={false} />
        <button type="button" onClick={() => void copy()}>
          {t('settings.copy')}
        </button>
      </div>
      <p role="status" className="hint">
        {copied === 'yes' ? t('settings.copied') : copied === 'no' ? t('settings.copyFailed') : ''}
      </p>
      <button type="button" onClick={onDone}>
        {t('settings.secretDone')}
      </button>
    </div>
  );
}

/** An inline confirmation before a destructive action: what will happen, then confirm or cancel. */
/**
 * A row's action that asks first: its button, or, once pressed (`asking`), the confirmation in its place. The
 * tokens and devices tables use it for revoking and renewing.
 */
export function ConfirmedAction({
  asking,
  label,
  ariaLabel,
  onAsk,
  ...confirm
}: {
  asking: boolean;
  label: string;
  ariaLabel: string;
  onAsk: () => void;
  message: string;
  confirmLabel: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return asking ? (
    <Confirm {...confirm} />
  ) : (
    <button type="button" onClick={onAsk} aria-label={ariaLabel}>
      {label}
    </button>
  );
}

function Confirm({
  message,
  confirmLabel,
  busy,
  onConfirm,
  onCancel,
}: {
  message: string;
  confirmLabel: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="settings-confirm" role="group" aria-label={message}>
      <p>{message}</p>
      <div className="settings-actions">
        <button type="button" className="danger" onClick={onConfirm} disabled={busy}>
          {confirmLabel}
        </button>
        <button type="button" ref={ref} onClick={onCancel} disabled={busy}>
          {t('common.cancel')}
        </button>
      </div>
    </div>
  );
}
