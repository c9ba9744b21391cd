import { useRef, useState, type FormEvent } from 'react';
import { ApiError, call } from '../api/client.ts';
import type { ControlResult, KillSwitch } from '../api/controls.ts';
import type { Me } from '../api/me.ts';
import { can } from '../api/roles.ts';
import { useTokenBook } from '../api/tokens.ts';
import { useQuery } from '../api/use-query.ts';
import { formatTime, shortHex } from '../format/amount.ts';
import { parseTokenAmount } from '../../../src/format/token-amount.ts';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { ModeDialog } from '../ui/mode-dialog.tsx';
import { Loaded } from '../ui/states.tsx';

/** The kill switch: its state with who, when and why; engage (trader and up) and release (risk and admin), each confirmed with a reason. */
function KillSwitchPanel({ me }: { me: Me }) {
  const state = useQuery<KillSwitch>('/controls/kill-switch', 10_000);
  const [action, setAction] = useState<'engage' | 'release' | null>(null);
  const mayEngage = can(me.role, 'kill-switch.engage');
  const mayRelease = can(me.role, 'kill-switch.release');
  return (
    <section aria-labelledby="kill-switch-title" className="card">
      <h2 id="kill-switch-title">Kill switch</h2>
      <Loaded query={state} what="the kill switch">
        {(k) => (
          <>
            <p data-testid="kill-switch-state">
              {k.engaged ? <span className="engaged">ENGAGED</span> : <span className="released">released</span>}
              {k.at === null ? ' — never engaged' : ` — ${k.engaged ? 'engaged' : 'released'} by ${shortHex(k.actor)} (${k.via}) at ${formatTime(k.at)}`}
            </p>
            {k.at === null ? null : <p className="muted">Reason: {k.reason}</p>}
            <div className="row">
              {mayEngage && !k.engaged ? (
                <button type="button" className="danger" onClick={() => setAction('engage')}>
                  Engage kill switch…
                </button>
              ) : null}
              {mayRelease && k.engaged ? (
                <button type="button" onClick={() => setAction('release')}>
                  Release kill switch…
                </button>
              ) : null}
              {k.engaged && mayEngage && !mayRelease ? <span className="muted">Only risk or admin can release it.</span> : null}
            </div>
          </>
        )}
      </Loaded>
      {action === null ? null : (
        <ConfirmDialog
          title={action === 'engage' ? 'Engage the kill switch?' : 'Release the kill switch?'}
          confirmLabel={action === 'engage' ? 'Engage' : 'Release'}
          danger={action === 'engage'}
          onClose={() => setAction(null)}
          onConfirm={async (form) => {
            await call<KillSwitch>(`/controls/kill-switch/${action}`, { body: { reason: String(form.get('reason') ?? '').trim() } });
            state.reload();
          }}
        >
          <p>{action === 'engage' ? 'Nothing is planned or sent until someone with the risk or admin role releases it.' : 'The engine plans and sends again from its next block.'}</p>
          <label>
            Reason (recorded in the audit log)
            <input name="reason" minLength={3} maxLength={500} required autoFocus />
          </label>
        </ConfirmDialog>
      )}
    </section>
  );
}

/** The owner's controls of the executor contract (admin, fresh TOTP): pause, unpause, withdraw to the cold wallet. */
function ContractPanel() {
  const book = useTokenBook();
  const [result, setResult] = useState<ControlResult | null>(null);
  const [error, setError] = useState<{ status: number | null; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const tokens = [...book.values()].filter((t) => t.decimalsKnown);

  const formRef = useRef<HTMLFormElement>(null);

  // Each control is its own button (type="button"): pressing Enter in a field runs none of them.
  const run = (kind: 'pause' | 'unpause' | 'withdraw'): void => {
    const element = formRef.current;
    if (element === null || !element.reportValidity()) return;
    const form = new FormData(element);
    const totp = String(form.get('totp') ?? '').trim();
    let body: Record<string, string> = { totp };
    if (kind === 'withdraw') {
      const address = String(form.get('token') ?? '');
      const token = book.get(address.toLowerCase());
      const amountText = String(form.get('amount') ?? '').trim();
      if (token === undefined) {
        setError({ status: null, message: 'Choose the token to withdraw.' });
        return;
      }
      try {
        // Token units to base units in BigInt arithmetic (src/format), never through a float.
        body = { ...body, token: token.address, ...(amountText === '' ? {} : { amount: parseTokenAmount('amount', amountText, token.decimals).toString() }) };
      } catch (caught) {
        setError({ status: null, message: caught instanceof Error ? caught.message : String(caught) });
        return;
      }
      if (body['amount'] === '0') {
        setError({ status: null, message: 'amount must be more than 0 (leave it empty to withdraw the whole balance)' });
        return;
      }
    }
    setBusy(true);
    setError(null);
    setResult(null);
    call<ControlResult>(`/controls/contract/${kind}`, { body }).then(
      (answer) => {
        setBusy(false);
        setResult(answer);
      },
      (caught: unknown) => {
        setBusy(false);
        setError(caught instanceof ApiError ? { status: caught.status, message: caught.message } : { status: null, message: String(caught) });
      },
    );
  };

  return (
    <section aria-labelledby="contract-title" className="card">
      <h2 id="contract-title">Executor contract (owner)</h2>
      <p className="muted">Pause stops the contract's execute (withdraw keeps working); withdraw pays the contract's cold wallet, its only recipient. Each needs a fresh TOTP code and this instance's owner key.</p>
      <form ref={formRef} className="stack" onSubmit={(event: FormEvent) => event.preventDefault()} aria-label="contract controls">
        <label>
          TOTP code (fresh)
          <input name="totp" inputMode="numeric" pattern="[0-9]{6}" autoComplete="one-time-code" required />
        </label>
        <div className="row">
          <button type="button" onClick={() => run('pause')} className="danger" disabled={busy}>
            Pause contract
          </button>
          <button type="button" onClick={() => run('unpause')} className="secondary" disabled={busy}>
            Unpause contract
          </button>
        </div>
        <div className="filters">
          <label>
            Token to withdraw
            <select name="token" defaultValue="">
              <option value="">—</option>
              {tokens.map((t) => (
                <option key={t.address} value={t.address}>
                  {t.symbol} ({shortHex(t.address)})
                </option>
              ))}
            </select>
          </label>
          <label>
            Amount in token units (empty: all)
            <input name="amount" inputMode="decimal" autoComplete="off" />
          </label>
          <button type="button" onClick={() => run('withdraw')} className="secondary" disabled={busy}>
            Withdraw to cold wallet
          </button>
        </div>
      </form>
      {error === null ? null : (
        <p className="state state-error" role="alert" data-testid="contract-error">
          {error.status === 409 ? <strong>Refused (409): </strong> : error.status === null ? null : <strong>Refused ({error.status}): </strong>}
          {error.message}
        </p>
      )}
      {result === null ? null : (
        <p className="ok" role="status">
          {result.control} sent: transaction <code title={result.transaction}>{shortHex(result.transaction)}</code> in block {result.block}.
        </p>
      )}
    </section>
  );
}

/**
 * Controls: the kill switch (everyone sees its state; trader and up engage, risk and admin
 * release), the mode dialog (everyone reads it; admin validates and switches), and the
 * contract's owner controls (admin).
 */
export function Controls({ me }: { me: Me }) {
  const [modeOpen, setModeOpen] = useState(false);
  return (
    <>
      <h1>Controls</h1>
      <div className="stack">
        <KillSwitchPanel me={me} />
        <section aria-labelledby="mode-title" className="card">
          <h2 id="mode-title">Execution mode</h2>
          <p className="muted">The mode in force, its session and the pre-flight checks of live mode{can(me.role, 'mode.switch') ? '; validate and switch here' : ''}.</p>
          <button type="button" className="secondary" onClick={() => setModeOpen(true)}>
            Open mode dialog
          </button>
        </section>
        {can(me.role, 'contract.control') ? <ContractPanel /> : null}
      </div>
      {modeOpen ? <ModeDialog canSwitch={can(me.role, 'mode.switch')} onClose={() => setModeOpen(false)} /> : null}
    </>
  );
}
