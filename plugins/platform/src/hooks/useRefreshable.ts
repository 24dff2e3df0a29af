import {
  DependencyList,
  useCallback,
  useEffect,
  useRef,
  useState,
} from 'react';
import { KeptAsyncState } from './useKeptAsync';

/** The state of {@link useRefreshable}, plus a way to read again. */
export interface RefreshableState<T> extends KeptAsyncState<T> {
  /**
   * Reads again. Called while a read is in flight, it does not throw that
   * read away: its answer is shown when it comes, and one more read follows
   * it (however many refreshes were asked for meanwhile).
   */
  refresh: () => void;
}

/**
 * Reads a value and reads it again on `refresh()`, for values that change
 * while they are on screen (a signal says that they did). Unlike react-use's
 * useAsync with the signal in its dependencies, a refresh does not discard
 * the read in flight: under a stream of signals every answer is shown as it
 * comes, instead of nothing until the stream stops. At most one read runs at
 * a time and at most one more is queued behind it. A failed refresh keeps the
 * value (with the error beside it); the value is dropped only when `subject`
 * or the dependencies change.
 */
export function useRefreshable<T>(
  fn: () => Promise<T>,
  deps: DependencyList,
  subject: string,
): RefreshableState<T> {
  const [state, setState] = useState<{
    subject: string;
    value?: T;
    error?: Error;
    loading: boolean;
  }>({ subject, loading: true });
  const read = useRef({ running: false, again: false, generation: 0 });
  const fnRef = useRef(fn);
  fnRef.current = fn;

  const start = useCallback(() => {
    const current = read.current;
    if (current.running) {
      current.again = true;
      return;
    }
    current.running = true;
    current.again = false;
    const generation = current.generation;
    // A value on screen stays there while it is read again: `loading`
    // tells only that there is nothing to show yet.
    setState(s =>
      s.loading || s.value !== undefined ? s : { ...s, loading: true },
    );
    fnRef.current().then(
      value => finish(generation, { value, error: undefined }),
      error => finish(generation, { error }),
    );
    function finish(of: number, outcome: { value?: T; error?: Error }) {
      // The dependencies changed meanwhile: a read of the new ones runs.
      if (of !== read.current.generation) return;
      read.current.running = false;
      const again = read.current.again;
      setState(s => {
        const loading = again && s.value === undefined && !('value' in outcome);
        // An answer equal to what is shown renders nothing again.
        if (
          s.subject === subject &&
          s.error === outcome.error &&
          s.loading === loading &&
          'value' in outcome &&
          sameJson(s.value, outcome.value)
        ) {
          return s;
        }
        return {
          subject,
          value: 'value' in outcome ? outcome.value : s.value,
          error: outcome.error,
          loading,
        };
      });
      if (again) start();
    }
    // The dependencies are the reader's, `subject` is derived from them.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  useEffect(() => {
    read.current = {
      running: false,
      again: false,
      generation: read.current.generation + 1,
    };
    start();
    return () => {
      // Unmounted or superseded: late answers are not shown.
      read.current.generation += 1;
    };
  }, [start]);

  const current = state.subject === subject;
  return {
    value: current ? state.value : undefined,
    error: current ? state.error : undefined,
    loading: !current || state.loading,
    retry: start,
    refresh: start,
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}
