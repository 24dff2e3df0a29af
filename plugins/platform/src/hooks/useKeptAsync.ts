import { DependencyList, useRef } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';

/** The state of {@link useKeptAsync}. */
export interface KeptAsyncState<T> {
  /** The latest value; kept while refreshing and after a failed refresh. */
  value: T | undefined;
  error: Error | undefined;
  loading: boolean;
  retry: () => void;
}

/**
 * Like react-use's useAsyncRetry, but a failed refresh keeps the value on
 * screen (with the error beside it) instead of blanking the page. The value
 * is dropped only when `subject` changes (another resource, say).
 */
export function useKeptAsync<T>(
  fn: () => Promise<T>,
  deps: DependencyList,
  subject: string,
): KeptAsyncState<T> {
  const state = useAsyncRetry(
    async () => ({ subject, value: await fn() }),
    deps,
  );
  const kept = useRef<{ subject: string; value: T }>();
  const latest =
    state.value && state.value.subject === subject ? state.value : undefined;
  if (latest) kept.current = latest;
  const value =
    latest?.value ??
    (kept.current?.subject === subject ? kept.current.value : undefined);
  return {
    value,
    error: state.error,
    loading: state.loading,
    retry: state.retry,
  };
}
