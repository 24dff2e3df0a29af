/**
 * The events-service topic on which the platform plugin announces that a
 * resource changed. @public
 */
export const PLATFORM_RESOURCE_TOPIC = 'platform.resource';

/**
 * What the platform plugin publishes on {@link PLATFORM_RESOURCE_TOPIC}: only
 * that a resource changed. Events reach every subscriber, so they carry no
 * resource data: read the resource with your credentials. @public
 */
export interface PlatformResourceChangedEvent {
  resourceId: string;
  type: 'changed';
}
