export { DevexAnalytics, devexAnalyticsApiFactory } from './DevexAnalytics';
export type { DevexAnalyticsOptions } from './DevexAnalytics';
export type { AnalyticsBatcherOptions } from './AnalyticsBatcher';
