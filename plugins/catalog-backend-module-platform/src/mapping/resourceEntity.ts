import { ResourceEntity } from '@backstage/catalog-model';
import {
  PlatformResource,
  PRODUCTION_ENVIRONMENT,
  resourceEntityName,
} from '@trellis/backstage-plugin-platform-common';
import { capabilityNameOf } from './names';
import {
  appUrl,
  locationAnnotations,
  PLATFORM_ANNOTATIONS,
  PlatformEntityMappingOptions,
  resolveMappingOptions,
} from './options';

/**
 * The `Resource` entity of a platform resource. `spec.lifecycle` is not part
 * of the Resource kind, but the catalog keeps it and filters on it like for
 * components.
 *
 * @public
 */
export type PlatformResourceEntity = ResourceEntity & {
  spec: ResourceEntity['spec'] & { lifecycle: string };
};

/**
 * A platform resource as a `Resource` entity: typed by its capability, owned
 * by its owner, a dependency of its component, and annotated with where it
 * lives in the platform.
 *
 * @public
 */
export function resourceToEntity(
  resource: PlatformResource,
  mappingOptions?: PlatformEntityMappingOptions,
): PlatformResourceEntity {
  const options = resolveMappingOptions(mappingOptions);
  const annotations: Record<string, string> = {
    ...locationAnnotations(options.providerName),
    [PLATFORM_ANNOTATIONS.resourceId]: resource.id,
    [PLATFORM_ANNOTATIONS.capabilityRef]: resource.capabilityRef,
    [PLATFORM_ANNOTATIONS.environment]: resource.environment,
    [PLATFORM_ANNOTATIONS.phase]: resource.status.phase,
  };
  if (resource.engineRef) {
    annotations[PLATFORM_ANNOTATIONS.engineRef] = JSON.stringify(
      resource.engineRef,
    );
  }
  const pageUrl = appUrl(
    options,
    `/platform/resources/${encodeURIComponent(resource.id)}`,
  );
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: resourceEntityName(resource),
      title: `${resource.name} (${resource.environment})`,
      description: `${resource.capabilityRef} instance ${resource.name} in ${resource.environment}, managed by the platform.`,
      annotations,
      ...(pageUrl
        ? { links: [{ url: pageUrl, title: 'Platform resource' }] }
        : {}),
    },
    spec: {
      type: capabilityNameOf(resource.capabilityRef),
      owner: resource.owner,
      lifecycle:
        resource.environment === PRODUCTION_ENVIRONMENT
          ? 'production'
          : 'experimental',
      ...(resource.component ? { dependencyOf: [resource.component] } : {}),
    },
  };
}
