/**
 * What a webhook delivery means as delivery facts, one interpreter per
 * provider over shared payload field readers.
 */
export type { DraftFact, Interpretation, InterpretOptions } from './types';
export { PayloadError } from './types';
export { interpretGithub } from './github';
export { interpretGitlab } from './gitlab';
export { interpretPagerduty } from './pagerduty';
