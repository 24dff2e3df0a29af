/**
 * Catalog entity provider for the Trellis platform: capabilities become
 * `API` entities and generated `Template`s, resources become `Resource`
 * entities.
 *
 * @packageDocumentation
 */
export { catalogModulePlatform as default } from './module';
export { PlatformEntityProvider } from './provider/PlatformEntityProvider';
export type { PlatformEntityProviderOptions } from './provider/PlatformEntityProvider';
export {
  capabilityToApiEntity,
  capabilityToTemplateEntity,
} from './mapping/capabilityEntities';
export { resourceToEntity } from './mapping/resourceEntity';
export type { PlatformResourceEntity } from './mapping/resourceEntity';
export { capabilityEntityName, capabilityTemplateName } from './mapping/names';
export {
  CAPABILITY_API_TYPE,
  CAPABILITY_TEMPLATE_TYPE,
  DEFAULT_PLATFORM_OWNER,
  DEFAULT_PROVIDER_NAME,
  DEFAULT_TEMPLATE_ENVIRONMENTS,
  DEFAULT_TIME_SAVED,
  PLATFORM_ANNOTATIONS,
} from './mapping/options';
export type { PlatformEntityMappingOptions } from './mapping/options';
