export interface Config {
  /** Configuration of the Trellis platform plugin. */
  platform?: {
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
    };
    resync?: {
      /** How often the full resync with every engine runs, in seconds. Default 60. */
      intervalSeconds?: number;
    };
    rollouts?: {
      /** How often running rollouts advance, in seconds. Default 5. */
      intervalSeconds?: number;
    };
  };
}
