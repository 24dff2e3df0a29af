import { ResourceEvent } from './types';

/**
 * The resource a feed event belongs to, as it is now: enough for readers of
 * the feed (time from request, per capability, engine and owner) without a
 * second call per event.
 *
 * @public
 */
export interface ResourceFeedResource {
  id: string;
  name: string;
  capabilityRef: string;
  engineId: string;
  environment: string;
  /** The owning group's entity ref. */
  owner: string;
  /** The user entity ref of who requested it. */
  requestedBy: string;
  /** The catalog entity it belongs to. */
  component?: string;
  /** When it was requested (ISO 8601). */
  createdAt: string;
}

/** One event of the platform-wide history feed. @public */
export interface ResourceFeedEvent {
  event: ResourceEvent;
  resource: ResourceFeedResource;
}

/** A page of the history feed (`GET /events`). @public */
export interface ResourceFeedPage {
  items: ResourceFeedEvent[];
  /** Pass as `after` to read on; equals the `after` sent when `items` is empty. */
  nextCursor: string;
}

/** @public */
export interface ListResourceEventsQuery {
  /** The `nextCursor` of the previous page; left out, from the first event. */
  after?: string;
  /** 1 to 500, default 100. */
  limit?: number;
}
