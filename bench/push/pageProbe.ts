/*
 * What runs in the page: the probe that records the signals' WebSocket
 * messages and the DOM's changes, and the watch for a state shown.
 */
import { Page } from 'playwright-core';

/** Installed in the page before any of its scripts runs. */
export function pageProbe() {
  const w = window as any;
  const clock = () => performance.timeOrigin + performance.now();
  const probe = {
    messages: [] as Array<{ at: number; data: string }>,
    sent: [] as string[],
    watches: [] as Array<{
      test: () => boolean;
      resolve: (times: { dom: number; painted: number }) => void;
    }>,
  };
  w.__push = probe;
  performance.setResourceTimingBufferSize(100_000);
  const Native = window.WebSocket;
  class Probed extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', event => {
        probe.messages.push({ at: clock(), data: String(event.data) });
      });
    }
    send(data: any) {
      probe.sent.push(String(data));
      super.send(data);
    }
  }
  w.WebSocket = Probed;
  const check = () => {
    const dom = clock();
    for (const watch of probe.watches.filter(w => w.test())) {
      probe.watches.splice(probe.watches.indexOf(watch), 1);
      requestAnimationFrame(() => watch.resolve({ dom, painted: clock() }));
    }
  };
  new MutationObserver(check).observe(document, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
  });
}

/** What the page shows: the Generation row, the phase, the spec. */
export function shown(): { generation: string; phase: string; spec: string } {
  const cell = (label: string, row: string) => {
    const table = document.querySelector(`table[aria-label="${label}"]`);
    for (const tr of Array.from(table?.querySelectorAll('tr') ?? [])) {
      if (tr.querySelector('th')?.textContent === row) {
        return tr.querySelector('td')?.textContent ?? '';
      }
    }
    return '';
  };
  return {
    generation: cell('Details', 'Generation'),
    phase:
      document.querySelector('[role="status"][aria-label="Phase"]')
        ?.textContent ?? '',
    spec: cell('Spec', 'retentionDays'),
  };
}

/** Resolves with the DOM and paint times at which the page shows `want`. */
export function waitForPage(
  page: Page,
  want: { generation: string; spec: string },
) {
  return page.evaluate(
    ({ wantGeneration, wantSpec, shownSource }) =>
      new Promise<{ dom: number; painted: number }>(resolve => {
        // eslint-disable-next-line no-new-func
        const read = new Function(`return (${shownSource})()`) as () => {
          generation: string;
          phase: string;
          spec: string;
        };
        const w = window as any;
        w.__push.watches.push({
          test: () => {
            const s = read();
            return (
              s.spec.trim() === wantSpec &&
              s.generation === wantGeneration &&
              (!wantGeneration.endsWith('(applied)') || s.phase === 'Ready')
            );
          },
          resolve,
        });
      }),
    {
      wantGeneration: want.generation,
      wantSpec: want.spec,
      shownSource: shown.toString(),
    },
  );
}
