import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
} from '@backstage/catalog-model';
import { ENTITY_ANNOTATIONS } from '@trellis/backstage-plugin-platform-common';

/**
 * Annotations the provider puts on the entities it emits: platform-common's
 * `ENTITY_ANNOTATIONS` (the `trellis.dev` vocabulary; before it, this module
 * wrote `trellis.io/...`, and the provider's full refresh replaces those).
 * @public
 */
export const PLATFORM_ANNOTATIONS = {
  capabilityRef: ENTITY_ANNOTATIONS.capabilityRef,
  engine: ENTITY_ANNOTATIONS.engine,
  capabilityVersion: ENTITY_ANNOTATIONS.capabilityVersion,
  resourceId: ENTITY_ANNOTATIONS.resourceId,
  environment: ENTITY_ANNOTATIONS.environment,
  phase: ENTITY_ANNOTATIONS.phase,
  engineRef: ENTITY_ANNOTATIONS.engineRef,
} as const;

/** `spec.type` of the API entity of a capability. @public */
export const CAPABILITY_API_TYPE = 'platform-capability';

/** `spec.type` of the generated Templates. @public */
export const CAPABILITY_TEMPLATE_TYPE = 'platform-resource';

/** @public */
export const DEFAULT_PROVIDER_NAME = 'trellis-platform';

/** @public */
export const DEFAULT_PLATFORM_OWNER = 'group:default/platform-team';

/** @public */
export const DEFAULT_TEMPLATE_ENVIRONMENTS = ['dev', 'staging', 'production'];

/** @public */
export const DEFAULT_TIME_SAVED = 'PT2H';

/**
 * How platform objects become entities. Every field has a default.
 *
 * @public
 */
export interface PlatformEntityMappingOptions {
  /** Name of the provider; the entities' location refs are derived from it. */
  providerName?: string;
  /** Owner of capabilities that name none. */
  defaultOwner?: string;
  /**
   * The app's base URL (`app.baseUrl`). Entity links must be absolute, so
   * links into the portal are left out without it.
   */
  baseUrl?: string;
  /** The environments the generated Templates offer, first is the default. */
  environments?: string[];
  /** The generated Templates' `backstage.io/time-saved`, ISO 8601. */
  timeSaved?: string;
  /** Whether capabilities get a generated Template (default true). */
  templates?: boolean;
}

/** The mapping options with every default filled in. */
export type ResolvedMappingOptions = Required<
  Omit<PlatformEntityMappingOptions, 'baseUrl'>
> & { baseUrl?: string };

export function resolveMappingOptions(
  options: PlatformEntityMappingOptions = {},
): ResolvedMappingOptions {
  const environments = options.environments?.length
    ? options.environments
    : DEFAULT_TEMPLATE_ENVIRONMENTS;
  return {
    providerName: options.providerName ?? DEFAULT_PROVIDER_NAME,
    defaultOwner: options.defaultOwner ?? DEFAULT_PLATFORM_OWNER,
    baseUrl: options.baseUrl?.replace(/\/+$/, ''),
    environments,
    timeSaved: options.timeSaved ?? DEFAULT_TIME_SAVED,
    templates: options.templates ?? true,
  };
}

/**
 * The location ref of everything a provider emits; also the location key, so
 * that another provider cannot take these entities over.
 */
export function providerLocationRef(providerName: string): string {
  return `trellis-platform:${providerName}`;
}

/** The annotations the catalog requires of every entity. */
export function locationAnnotations(
  providerName: string,
): Record<string, string> {
  const ref = providerLocationRef(providerName);
  return { [ANNOTATION_LOCATION]: ref, [ANNOTATION_ORIGIN_LOCATION]: ref };
}

/** An absolute URL into the app, or undefined without a base URL. */
export function appUrl(
  options: ResolvedMappingOptions,
  path: string,
): string | undefined {
  return options.baseUrl ? `${options.baseUrl}${path}` : undefined;
}
