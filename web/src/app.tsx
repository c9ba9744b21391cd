import { lazy, Suspense, useEffect, useMemo, useState, type ReactNode } from 'react';
import { call, refreshSession } from './api/client.ts';
import type { Me } from './api/me.ts';
import { can, type Permission } from './api/roles.ts';
import { currentTokens, onTokens, setTokens, type Tokens } from './api/session.ts';
import type { Page, Token } from './api/desk.ts';
import { TokenBookContext } from './api/tokens.ts';
import { useQuery } from './api/use-query.ts';
import { Account } from './screens/account.tsx';
import { ApiKeys } from './screens/api-keys.tsx';
import { Audit } from './screens/audit.tsx';
import { Controls } from './screens/controls.tsx';
import { Executions } from './screens/executions.tsx';
import { Health } from './screens/health.tsx';
import { Limits } from './screens/limits.tsx';
import { Login } from './screens/login.tsx';
import { Opportunities } from './screens/opportunities.tsx';
import { Overview } from './screens/overview.tsx';
import { Pools } from './screens/pools.tsx';
import { Users } from './screens/users.tsx';
import { ScreenErrorBoundary } from './ui/error-boundary.tsx';
import { ModeBanner } from './ui/mode-banner.tsx';
import { ErrorState, Loading } from './ui/states.tsx';

/** A screen: its address (#/id), its label, what a role needs to see it, and what it renders. */
interface Screen {
  id: string;
  label: string;
  permission: Permission;
  render: (me: Me) => ReactNode;
}

// The chart library is loaded only when the P&L screen opens: the first load stays small.
const PnlScreen = lazy(() => import('./screens/pnl.tsx'));

const SCREENS: readonly Screen[] = [
  { id: 'overview', label: 'Overview', permission: 'read', render: () => <Overview /> },
  { id: 'opportunities', label: 'Opportunities', permission: 'read', render: () => <Opportunities /> },
  { id: 'executions', label: 'Executions', permission: 'read', render: () => <Executions /> },
  { id: 'pnl', label: 'P&L', permission: 'read', render: () => <Suspense fallback={<Loading what="the chart" />}><PnlScreen /></Suspense> },
  { id: 'limits', label: 'Limits', permission: 'read', render: (me) => <Limits me={me} /> },
  { id: 'controls', label: 'Controls', permission: 'read', render: (me) => <Controls me={me} /> },
  { id: 'pools', label: 'Pools', permission: 'read', render: () => <Pools /> },
  { id: 'audit', label: 'Audit log', permission: 'compliance.read', render: () => <Audit /> },
  { id: 'health', label: 'Health', permission: 'read', render: () => <Health /> },
  { id: 'users', label: 'Users', permission: 'users.manage', render: (me) => <Users me={me} /> },
  { id: 'api-keys', label: 'API keys', permission: 'api-keys.manage', render: () => <ApiKeys /> },
  { id: 'account', label: 'My account', permission: 'self', render: (me) => <Account me={me} /> },
];

function currentScreenId(): string {
  return location.hash.replace(/^#\/?/, '').split('?')[0] || 'overview';
}

/** Keeps the access token fresh: renews it a minute before it expires (so /ws stays open too). */
function useTokenRenewal(tokens: Tokens | null): void {
  useEffect(() => {
    if (tokens === null) return;
    const due = new Date(tokens.accessTokenExpiresAt).getTime() - Date.now() - 60_000;
    const timer = setTimeout(() => void refreshSession(), Math.max(5_000, due));
    return () => clearTimeout(timer);
  }, [tokens]);
}

/** The signed-in desk: the mode banner, the navigation the role may use, the screen. */
function Desk({ tokens }: { tokens: Tokens }) {
  const me = useQuery<Me>('/auth/me');
  const health = useQuery<{ mode?: string }>('/health', 15_000);
  const tokenList = useQuery<Page<Token>>('/tokens?limit=500');
  const book = useMemo(() => new Map((tokenList.data?.rows ?? []).map((t): [string, Token] => [t.address.toLowerCase(), t])), [tokenList.data]);
  const [screenId, setScreenId] = useState(currentScreenId);
  const [menuOpen, setMenuOpen] = useState(false);
  useTokenRenewal(tokens);

  useEffect(() => {
    const follow = (): void => {
      setScreenId(currentScreenId());
      setMenuOpen(false);
    };
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);

  const signOut = (): void => {
    void call('/auth/logout', { method: 'POST' }).catch(() => undefined).finally(() => setTokens(null));
  };

  if (me.status === 'loading') return <Loading what="your account" />;
  if (me.status === 'error') return <ErrorState error={me.error} onRetry={me.reload} />;
  const visible = SCREENS.filter((screen) => can(me.data.role, screen.permission));
  const screen = visible.find((s) => s.id === screenId);

  return (
    <TokenBookContext.Provider value={book}>
    <div className="desk">
      <ModeBanner mode={health.data?.mode} />
      <header className="topbar">
        <span className="brand">Orion</span>
        <button type="button" className="menu-toggle secondary" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen((open) => !open)}>
          Menu
        </button>
        <span className="who" data-testid="who">
          {me.data.username ?? me.data.id} · <span className="role">{me.data.role}</span>
        </span>
        <button type="button" className="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <div className="layout">
        <nav id="nav" className={menuOpen ? 'open' : ''} aria-label="screens">
          <ul>
            {visible.map((s) => (
              <li key={s.id}>
                <a href={`#/${s.id}`} aria-current={s.id === screen?.id ? 'page' : undefined}>
                  {s.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main className="screen" aria-label={screen?.label ?? 'not found'}>
          {screen === undefined ? (
            <div className="state state-error" role="alert">
              There is no screen “{screenId}” for the role {me.data.role}. <a href="#/overview">Overview</a>
            </div>
          ) : (
            <ScreenErrorBoundary key={screen.id}>{screen.render(me.data)}</ScreenErrorBoundary>
          )}
        </main>
      </div>
    </div>
    </TokenBookContext.Provider>
  );
}

/** The dashboard: the login flow until there is a session, then the desk. */
export function App() {
  const [tokens, setTokenState] = useState<Tokens | null>(currentTokens);
  useEffect(() => onTokens(setTokenState), []);
  return tokens === null ? <Login /> : <Desk tokens={tokens} />;
}
