import type * as generated from './generated/models';

/**
 * The resource a feed event belongs to, as it is now (the `resource` of
 * `ResourceFeedEvent` in openapi.yaml).
 *
 * @public
 */
export type ResourceFeedResource = generated.ResourceFeedEvent['resource'];

/** One event of the platform-wide history feed. @public */
export type ResourceFeedEvent = generated.ResourceFeedEvent;

/** A page of the history feed (`GET /events`). @public */
export type ResourceFeedPage = generated.ResourceFeedPage;

/** @public */
export interface ListResourceEventsQuery {
  /** The `nextCursor` of the previous page; left out, from the first event. */
  after?: string;
  /** 1 to 500, default 100. */
  limit?: number;
}
