import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, call } from './client.ts';

/** A read's state: every view renders all three (loading, error, data). */
export type QueryState<T> =
  | { status: 'loading'; data?: undefined; error?: undefined }
  | { status: 'error'; data?: T; error: ApiError | Error }
  | { status: 'ok'; data: T; error?: undefined };

/** What `useQuery` gives a view. */
export type Query<T> = QueryState<T> & { reload: () => void };

/**
 * Reads `path` (null: nothing yet) and re-reads it every `refreshMs` when given. A failed
 * re-read keeps the last data beside the error so the view does not blank out.
 */
export function useQuery<T>(path: string | null, refreshMs?: number): Query<T> {
  const [state, setState] = useState<QueryState<T>>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  const last = useRef<T | undefined>(undefined);
  const reload = useCallback(() => setTick((n) => n + 1), []);

  useEffect(() => {
    last.current = undefined;
    setState({ status: 'loading' });
  }, [path]);

  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    call<T>(path, { signal: controller.signal }).then(
      (data) => {
        last.current = data;
        setState({ status: 'ok', data });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState({ status: 'error', error: error instanceof Error ? error : new Error(String(error)), ...(last.current === undefined ? {} : { data: last.current }) });
      },
    );
    return () => controller.abort();
  }, [path, tick]);

  useEffect(() => {
    if (refreshMs === undefined || path === null) return;
    const timer = setInterval(reload, refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, path, reload]);

  return { ...state, reload };
}
