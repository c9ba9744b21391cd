import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../api/client.ts';
import { FormError } from './states.tsx';

/**
 * A modal confirmation: what is about to happen, any fields it needs (a reason, a code), and a
 * confirm button. The action runs on submit; its refusal is shown inside the dialog (in the
 * API's words) so the operator can correct it; success closes it. Escape or Cancel closes it.
 */
export function ConfirmDialog({ title, children, confirmLabel, danger = false, onConfirm, onClose }: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: (form: FormData) => Promise<void>;
  onClose: () => void;
}) {
  const titleId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const escape = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', escape);
    return () => window.removeEventListener('keydown', escape);
  }, [onClose]);

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    onConfirm(form).then(
      () => onClose(),
      (caught: unknown) => {
        setBusy(false);
        setError(caught instanceof ApiError ? `${caught.message} (${caught.status})` : String(caught));
      },
    );
  };

  return (
    <div className="overlay">
      <form className="dialog card" role="dialog" aria-modal="true" aria-labelledby={titleId} onSubmit={submit}>
        <h2 id={titleId}>{title}</h2>
        {children}
        <FormError message={error} />
        <div className="row">
          <button type="submit" className={danger ? 'danger' : undefined} disabled={busy}>
            {confirmLabel}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
