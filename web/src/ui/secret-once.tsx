/** A secret the API shows once (a one-time password, an API key): said so, selectable, dismissable. */
export function SecretOnce({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  return (
    <div className="card secret" role="alert">
      <p>
        {label} — shown once, copy it now:
      </p>
      <code data-testid="secret-once">{value}</code>
      <button type="button" className="secondary" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}
