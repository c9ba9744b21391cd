import { useState, type FormEvent } from 'react';
import { ApiError, call } from '../api/client.ts';
import { setTokens, type Tokens } from '../api/session.ts';
import { FormError } from '../ui/states.tsx';

type LoginAnswer = ({ status: 'ok' } & Tokens) | { status: 'challenge'; next: 'password_change' | 'mfa_enrolment' | 'mfa'; challenge: string; expiresAt: string };
interface Enrolment { secret: string; otpauthUri: string; qrPng: string }

type Step =
  | { kind: 'password' }
  | { kind: 'password_change'; challenge: string }
  | { kind: 'mfa_enrolment'; challenge: string; enrolment: Enrolment | null }
  | { kind: 'mfa'; challenge: string };

const message = (error: unknown): string => (error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error));

/**
 * Signing in, step by step as the API asks: password; a new password when the one given was a
 * one-time password; MFA enrolment (QR code and secret) at the first login of an account that
 * must have MFA; then the TOTP code.
 */
export function Login() {
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = async (work: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(message(caught));
    } finally {
      setBusy(false);
    }
  };

  const follow = async (answer: LoginAnswer): Promise<void> => {
    if (answer.status === 'ok') {
      setTokens(answer);
      return;
    }
    if (answer.next === 'mfa_enrolment') {
      const enrolment = await call<Enrolment>('/auth/mfa/enrol', { body: { challenge: answer.challenge }, anonymous: true });
      setStep({ kind: 'mfa_enrolment', challenge: answer.challenge, enrolment });
    } else {
      setStep({ kind: answer.next, challenge: answer.challenge });
    }
  };

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string): string => String(form.get(name) ?? '');
    void run(async () => {
      if (step.kind === 'password') {
        await follow(await call<LoginAnswer>('/auth/login', { body: { username: field('username'), password: field('password') }, anonymous: true }));
      } else if (step.kind === 'password_change') {
        if (field('newPassword') !== field('confirmPassword')) throw new Error('the two new passwords differ');
        await follow(await call<LoginAnswer>('/auth/password', { body: { challenge: step.challenge, newPassword: field('newPassword') }, anonymous: true }));
      } else {
        const tokens = await call<Tokens>('/auth/mfa', { body: { challenge: step.challenge, code: field('code').trim() }, anonymous: true });
        setTokens(tokens);
      }
    });
  };

  return (
    <main className="login">
      <form className="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Orion</h1>
        {step.kind === 'password' ? (
          <>
            <p className="muted">Sign in to the desk.</p>
            <label>
              Username
              <input name="username" autoComplete="username" required autoFocus />
            </label>
            <label>
              Password
              <input name="password" type="password" autoComplete="current-password" required />
            </label>
          </>
        ) : null}
        {step.kind === 'password_change' ? (
          <>
            <p>This was a one-time password: choose your own.</p>
            <label>
              New password
              <input name="newPassword" type="password" autoComplete="new-password" minLength={12} required autoFocus />
            </label>
            <label>
              New password again
              <input name="confirmPassword" type="password" autoComplete="new-password" minLength={12} required />
            </label>
          </>
        ) : null}
        {step.kind === 'mfa_enrolment' && step.enrolment !== null ? (
          <>
            <p>This account needs two-factor authentication. Scan the code with an authenticator app, then enter the code it shows.</p>
            <img className="qr" src={step.enrolment.qrPng} alt="QR code of the TOTP secret" width={200} height={200} />
            <p className="muted">
              Or enter the secret by hand: <code data-testid="mfa-secret">{step.enrolment.secret}</code>
            </p>
          </>
        ) : null}
        {step.kind === 'mfa' || step.kind === 'mfa_enrolment' ? (
          <label>
            Authenticator code
            <input name="code" inputMode="numeric" pattern="[0-9]{6}" maxLength={6} autoComplete="one-time-code" required autoFocus={step.kind === 'mfa'} />
          </label>
        ) : null}
        <FormError message={error} />
        <div className="row">
          <button type="submit" disabled={busy}>
            {step.kind === 'password' ? 'Sign in' : step.kind === 'password_change' ? 'Set password' : 'Verify'}
          </button>
          {step.kind === 'password' ? null : (
            <button type="button" className="secondary" onClick={() => setStep({ kind: 'password' })}>
              Start over
            </button>
          )}
        </div>
      </form>
    </main>
  );
}
