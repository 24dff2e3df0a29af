/**
 * The normalized status phases of a platform resource. Every engine maps its
 * own conditions onto this one vocabulary.
 *
 * @public
 */
export const RESOURCE_PHASES = [
  'Pending',
  'Provisioning',
  'Ready',
  'Updating',
  'Degraded',
  'Failed',
  'Deleting',
  'Deleted',
  'Paused',
  'Unknown',
] as const;

/** @public */
export type ResourcePhase = (typeof RESOURCE_PHASES)[number];

/**
 * Narrows an arbitrary value to a {@link ResourcePhase}.
 *
 * @public
 */
export function isResourcePhase(value: unknown): value is ResourcePhase {
  return (
    typeof value === 'string' &&
    (RESOURCE_PHASES as readonly string[]).includes(value)
  );
}
