import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  PlatformResource,
  ResourcePhase,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';

/** Phases a resource does not leave by itself: waiting longer is pointless. */
const SETTLED: ResourcePhase[] = ['Failed', 'Deleted'];

/** Longest gap between reads when no change notice arrives. */
const POLL_MS = 1000;

/**
 * Reads the resource with the caller's credentials until it is in one of
 * `phases`, settles elsewhere (Failed, Deleted), or `timeoutMs` passes.
 * Change notices only say when to read again; a missed one delays the answer
 * by at most a poll interval.
 */
export async function waitForPhase(options: {
  service: PlatformService;
  credentials: BackstageCredentials;
  id: string;
  phases: ResourcePhase[];
  timeoutMs: number;
}): Promise<{ resource: PlatformResource; reached: boolean }> {
  const { service, credentials, id, phases } = options;
  const deadline = Date.now() + options.timeoutMs;
  let wake: (() => void) | undefined;
  let changed = false;
  const unsubscribe = service.subscribe(change => {
    if (change.resourceId !== id) return;
    changed = true;
    wake?.();
  });
  /** Sleeps up to `ms`, or until a change notice for the resource. */
  const nap = (ms: number) =>
    new Promise<void>(resolve => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      wake = undefined;
    });
  try {
    for (;;) {
      changed = false;
      const resource = await service.getResource(id, { credentials });
      const phase = resource.status.phase;
      // The platform reports a Ready resource behind its spec as Updating.
      if (phases.includes(phase)) {
        return { resource, reached: true };
      }
      const left = deadline - Date.now();
      if (SETTLED.includes(phase) || left <= 0) {
        return { resource, reached: false };
      }
      if (changed) continue;
      await nap(Math.min(POLL_MS, left));
    }
  } finally {
    unsubscribe();
  }
}
