import type { ReactNode } from 'react';
import { ApiError } from '../api/client.ts';
import type { Query } from '../api/use-query.ts';

/** A spinner line while a view loads (announced to screen readers). */
export function Loading({ what }: { what: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** What went wrong, in the API's words, with a retry. */
export function ErrorState({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const status = error instanceof ApiError ? ` (${error.status})` : '';
  return (
    <div className="state state-error" role="alert">
      <strong>Could not load{status}:</strong> {error.message}
      {onRetry === undefined ? null : (
        <button type="button" className="link" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** An empty list, said plainly. */
export function Empty({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

/**
 * Renders a query's three states: loading, error (with the last data if any), data. Every
 * screen goes through this, so none forgets one.
 */
export function Loaded<T>({ query, what, children }: { query: Query<T>; what: string; children: (data: T) => ReactNode }) {
  if (query.status === 'loading') return <Loading what={what} />;
  if (query.status === 'error') {
    return (
      <>
        <ErrorState error={query.error} onRetry={query.reload} />
        {query.data === undefined ? null : children(query.data)}
      </>
    );
  }
  return <>{children(query.data)}</>;
}

/** A refusal or a mistake in a form, in the API's words (nothing when `message` is null). */
export function FormError({ message }: { message: string | null }) {
  if (message === null) return null;
  return (
    <p className="state state-error" role="alert">
      {message}
    </p>
  );
}
