import { useState, type FormEvent } from 'react';
import { ApiError, call } from '../api/client.ts';
import type { Me } from '../api/me.ts';
import { formatTime } from '../format/amount.ts';

interface Enrolment { secret: string; otpauthUri: string; qrPng: string }

/** My account: who I am, and MFA enrolment for a role that may still sign in without it. */
export function Account({ me }: { me: Me }) {
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [enrolled, setEnrolled] = useState(me.mfaEnrolled === true);

  // Starting a setup asks for the password again (the API refuses without): a token left in an
  // open browser must not be enough to bind someone else's authenticator to this account.
  const start = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    setMessage(null);
    const password = String(new FormData(event.currentTarget).get('password') ?? '');
    void call<Enrolment>('/auth/mfa/setup', { body: { password } }).then(setEnrolment, (caught: unknown) =>
      setMessage({ ok: false, text: caught instanceof ApiError ? caught.message : String(caught) }),
    );
  };

  const confirm = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const code = String(form.get('code') ?? '').trim();
    // Replacing an enrolled authenticator needs a code from it too (the API refuses without).
    const currentCode = String(form.get('currentCode') ?? '').trim();
    void call('/auth/mfa/setup/confirm', { body: enrolled ? { code, currentCode } : { code } }).then(
      () => {
        setEnrolment(null);
        setEnrolled(true);
        setMessage({ ok: true, text: enrolled ? 'Your authenticator is replaced.' : 'Two-factor authentication is on.' });
      },
      (caught: unknown) => setMessage({ ok: false, text: caught instanceof ApiError ? caught.message : String(caught) }),
    );
  };

  return (
    <>
      <h1>My account</h1>
      <dl className="facts">
        <dt>Username</dt>
        <dd>{me.username ?? '—'}</dd>
        <dt>Role</dt>
        <dd>{me.role}</dd>
        <dt>Two-factor authentication</dt>
        <dd>{enrolled ? 'enrolled' : 'not enrolled'}</dd>
        <dt>This session's access token expires</dt>
        <dd>{formatTime(me.expiresAt)}</dd>
      </dl>
      {enrolment === null ? (
        <form className="card" onSubmit={start} aria-label="start MFA setup">
          <label>
            Your password
            <input name="password" type="password" autoComplete="current-password" required />
          </label>
          <button type="submit">{enrolled ? 'Replace my authenticator' : 'Set up two-factor authentication'}</button>
        </form>
      ) : (
        <form className="card" onSubmit={confirm} aria-label="confirm MFA enrolment">
          <img className="qr" src={enrolment.qrPng} alt="QR code of the new TOTP secret" width={200} height={200} />
          <p className="muted">
            Secret: <code>{enrolment.secret}</code>
          </p>
          <label>
            Code from the app
            <input name="code" inputMode="numeric" pattern="[0-9]{6}" maxLength={6} autoComplete="one-time-code" required />
          </label>
          {enrolled ? (
            <label>
              Code from the authenticator enrolled now
              <input name="currentCode" inputMode="numeric" pattern="[0-9]{6}" maxLength={6} autoComplete="off" required />
            </label>
          ) : null}
          <p className="muted">Confirm within 10 minutes, in this browser session.</p>
          <button type="submit">Confirm</button>
        </form>
      )}
      {message === null ? null : (
        <p className={message.ok ? 'ok' : 'state state-error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
    </>
  );
}
