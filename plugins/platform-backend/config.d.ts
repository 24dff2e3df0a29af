export interface Config {
  /** Configuration of the Trellis platform plugin. */
  platform?: {
    permissions?: {
      /**
       * How long the platform keeps a signed-in user's permission decisions
       * (per token, for permissions that name no resource), in seconds. A
       * policy change that does not come with a new token takes this long to
       * apply. Default 10; 0 asks the permission backend every time.
       */
      decisionCacheSeconds?: number;
    };
    /**
     * Change requests: changes (create, update, delete) that wait for a
     * person's approval. See docs/api.md, "Change requests".
     */
    approvals?: {
      /**
       * `required` (default): a change by a service principal acting for
       * nobody (an agent with a static token, a plugin's own credentials)
       * becomes a change request. `allowed`: services change directly.
       */
      servicePrincipals?: 'required' | 'allowed';
      /** Service subjects (e.g. `external:bench`) exempt from that rule. */
      trustedServices?: string[];
      /**
       * How long a change request waits for a decision before it expires,
       * e.g. `{ days: 3 }` (the default) or `{ hours: 1 }`.
       */
      expiresAfter?: {
        weeks?: number;
        days?: number;
        hours?: number;
        minutes?: number;
        seconds?: number;
        milliseconds?: number;
      };
      /**
       * Entity refs (users, groups) notified of new change requests, besides
       * the resource's owner group. Default `group:default/platform-team`.
       */
      approvers?: string[];
      /** How often overdue change requests are marked expired, in seconds. Default 60. */
      expiryCheckSeconds?: number;
      /**
       * How long an approver has to apply an approved change before another
       * backend (at start, or in the expiry task) may finish it instead, in
       * seconds. Default 60.
       */
      applyLeaseSeconds?: number;
      /**
       * Unfinished approvals a recovery claims at a time (it goes on until
       * none is left). Default 20.
       */
      recoveryBatchSize?: number;
    };
    dispatch?: {
      /** How often pending requests are (re)sent to engines, in seconds. Default 5. */
      intervalSeconds?: number;
      /** First retry delay after an engine failure, in seconds; doubles per attempt. Default 1. */
      retryBaseSeconds?: number;
      /**
       * How long a replica may hold a claimed request before another replica
       * takes it over (after a crash), in seconds. Default 60.
       */
      leaseSeconds?: number;
      /** Longest retry delay, in seconds. Default 300. */
      retryMaxSeconds?: number;
      /**
       * On shutdown, how long engine calls in flight may take to finish
       * before their claims are handed back to the other replicas, in
       * seconds. Default 10.
       */
      shutdownGraceSeconds?: number;
      /**
       * How long a dispatch pass waits for one engine call before it goes on
       * without it, in seconds; the call keeps its claim until it answers or
       * the lease ends. Default 30, and never more than half the lease.
       */
      callTimeoutSeconds?: number;
    };
    /**
     * Users' tokens for engines that act with the user's own identity
     * (engines that declare `userAuth`). They are held in memory only.
     */
    engineTokens?: {
      /**
       * Longest a token is held waiting for its change to reach the engine,
       * in seconds, even when the token itself lives longer. Default 3600.
       */
      maxHoldSeconds?: number;
    };
    resync?: {
      /** How often the full resync with every engine runs, in seconds. Default 60. */
      intervalSeconds?: number;
    };
    rollouts?: {
      /** How often running rollouts advance, in seconds. Default 5. */
      intervalSeconds?: number;
    };
    /**
     * A demo estate for a first start (app-config.yaml turns it on): on
     * startup the plugin requests every resource of the estate file through
     * its own API, as its service principal, with one idempotency key per
     * entry, so a later start creates nothing new. Not for production.
     */
    demo?: {
      /** Request the demo estate on startup. Default false. */
      enabled?: boolean;
      /**
       * The estate file (a list `resources` of `POST /resources` bodies),
       * relative to the backend's working directory.
       */
      estate?: string;
    };
    eventsFeed?: {
      /**
       * How long `GET /events` holds back the newest events, in seconds, so
       * that a transaction that took a lower event id commits before a reader
       * moves its cursor past it. Default 5.
       */
      settleSeconds?: number;
    };
  };
}
