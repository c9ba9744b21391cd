/**
 * The execution mode, always on screen: SIM (simulations only, nothing is signed) or LIVE
 * (transactions are sent with real money), in a colour nobody mistakes for the other.
 */
export function ModeBanner({ mode }: { mode: string | undefined }) {
  const live = mode === 'live';
  return (
    <div className={`mode-banner ${live ? 'mode-live' : 'mode-sim'}`} role="status" aria-label="execution mode" data-testid="mode-banner">
      {mode === undefined ? 'MODE …' : live ? 'LIVE — real transactions' : 'SIM — simulation only, nothing is sent'}
    </div>
  );
}
