import { useEffect } from 'react';
import { configApiRef, useApi } from '@backstage/core-plugin-api';

/**
 * Names the browser tab after what the page shows, in full (a long resource
 * name is truncated on the page, never in the tab or in history), the way
 * Backstage's headers do: `most specific | ... | app title`.
 */
export function usePageTitle(...parts: Array<string | undefined>) {
  const appTitle =
    useApi(configApiRef).getOptionalString('app.title') ?? 'Backstage';
  const title = [...parts.filter(part => !!part), appTitle].join(' | ');
  useEffect(() => {
    const previous = document.title;
    document.title = title;
    // A Backstage Header around the page (the legacy PlatformPage) writes
    // its own, less specific title in the next frame; ours comes after it.
    const frame = requestAnimationFrame(() => {
      document.title = title;
    });
    return () => {
      cancelAnimationFrame(frame);
      document.title = previous;
    };
  }, [title]);
}
