import { useCallback, useEffect, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { isDay, presetRange, RANGE_PRESETS, rangeProblem } from './dateRange';

/** The filters every DevEx view shares. */
export interface DevexFilters {
  /** A preset (days ending today), or `custom`. */
  preset: number | 'custom';
  from: string;
  to: string;
  /** Set when a custom range cannot be asked for. */
  problem?: string;
  team?: string;
}

const STORAGE_KEY = 'trellis.devex.filters';
const DEFAULT_PRESET = 30;

function remembered(): URLSearchParams {
  try {
    return new URLSearchParams(
      window.sessionStorage.getItem(STORAGE_KEY) ?? '',
    );
  } catch {
    return new URLSearchParams();
  }
}

function remember(params: URLSearchParams) {
  try {
    window.sessionStorage.setItem(STORAGE_KEY, params.toString());
  } catch {
    // Private mode: the URL still carries the filters.
  }
}

const FILTER_KEYS = ['range', 'from', 'to', 'team'];

function filterParams(params: URLSearchParams): URLSearchParams {
  const own = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value !== null) own.set(key, value);
  }
  return own;
}

/** Reads filters from the URL (shareable), else the last ones used in this tab. */
export function parseFilters(
  params: URLSearchParams,
  now: Date = new Date(),
): DevexFilters {
  const team = params.get('team') || undefined;
  const range = params.get('range');
  if (range === 'custom') {
    const from = params.get('from') ?? '';
    const to = params.get('to') ?? '';
    return {
      preset: 'custom',
      from,
      to,
      team,
      problem: rangeProblem(from, to),
    };
  }
  const days = Number(range);
  const preset = (RANGE_PRESETS as readonly number[]).includes(days)
    ? days
    : DEFAULT_PRESET;
  return { preset, ...presetRange(preset, now), team };
}

/**
 * The filters of the DevEx views. They live in the URL, so a view can be
 * shared, and are remembered for the session, so switching tabs (each its own
 * route) keeps them.
 */
export function useDevexFilters(): [
  DevexFilters,
  (
    change: Partial<Pick<DevexFilters, 'preset' | 'from' | 'to' | 'team'>>,
  ) => void,
] {
  const [searchParams, setSearchParams] = useSearchParams();
  const source = useMemo(() => {
    const own = FILTER_KEYS.some(k => searchParams.has(k));
    return own ? searchParams : remembered();
  }, [searchParams]);
  const filters = useMemo(() => parseFilters(source), [source]);
  useEffect(() => {
    // A shared link's filters become this session's, for the other tabs.
    if (source === searchParams) remember(filterParams(searchParams));
  }, [source, searchParams]);

  const update = useCallback(
    (
      change: Partial<Pick<DevexFilters, 'preset' | 'from' | 'to' | 'team'>>,
    ) => {
      const next = { ...filters, ...change };
      const params = new URLSearchParams(searchParams);
      params.set('range', String(next.preset));
      if (next.preset === 'custom') {
        // Switching to custom starts from the range shown so far.
        params.set('from', isDay(next.from) ? next.from : filters.from);
        params.set('to', isDay(next.to) ? next.to : filters.to);
        if (change.from !== undefined) params.set('from', change.from);
        if (change.to !== undefined) params.set('to', change.to);
      } else {
        params.delete('from');
        params.delete('to');
      }
      if (next.team) params.set('team', next.team);
      else params.delete('team');
      remember(filterParams(params));
      setSearchParams(params, { replace: true });
    },
    [filters, searchParams, setSearchParams],
  );

  return [filters, update];
}
