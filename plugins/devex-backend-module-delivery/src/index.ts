/**
 * DevEx delivery events: GitHub, GitLab and PagerDuty webhooks through the
 * events backend, stored raw and interpreted into `delivery.*` facts.
 *
 * @packageDocumentation
 */
export {
  devexDeliveryFeatures as default,
  devexModuleDelivery,
  eventsModulePagerdutyWebhook,
  DELIVERY_TOPICS,
} from './module';
export { createPagerdutySignatureValidator } from './pagerduty';
export { DeliveryAnnotations } from './CatalogMapper';
