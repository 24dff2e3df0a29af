export interface Config {
  /** Configuration of the Trellis DevEx metrics plugin. */
  devex?: {
    /**
     * The IANA time zone whose days the rollups, ranges and cohorts count
     * (e.g. `Europe/Berlin`). Default `UTC`. Changing it applies to new
     * facts; `POST /api/devex/admin/rebuild` re-days the stored ones.
     */
    reportingTimeZone?: string;
    /** Longest range a metrics question may ask, in days. Default 366. */
    maxRangeDays?: number;
    retention?: {
      /**
       * Raw facts of days older than this are deleted (daily, by a scheduled
       * task); the rollups of those days are kept. Default 400.
       */
      days?: number;
    };
    privacy?: {
      /**
       * Teams with fewer current members than this are folded into "other",
       * and cohorts smaller than this get no retention figures. Default 3.
       */
      minGroupSize?: number;
    };
    directory?: {
      /** How often users, groups and memberships are copied from the catalog, in minutes. Default 10. */
      intervalMinutes?: number;
    };
    /** Settings of the built-in sources (src/sources). */
    sources?: {
      /** Scaffolder task outcomes. */
      scaffolder?: {
        /** Days of task history read on the very first backfill. Default 90. */
        initialBackfillDays?: number;
        /**
         * Each backfill reads back to the oldest task that was still open or
         * processing at the last run; a task stuck longer than this many days
         * no longer holds it back (its outcome still comes through the events).
         * Default 7.
         */
        lookbackDays?: number;
        /** Tasks per page of `GET /api/scaffolder/v2/tasks`. Default 100. */
        pageSize?: number;
        /** How often the backfill runs, in minutes. Default 15. */
        backfillIntervalMinutes?: number;
      };
      /** Platform resource history. */
      platform?: {
        /** How often the platform's history feed is read, in seconds. Default 30. */
        pollIntervalSeconds?: number;
        /** Events per page of the feed. Default 200. */
        pageSize?: number;
      };
    };
    /** Delivery (DORA) metrics; ingestion settings are in the delivery module. */
    delivery?: {
      /**
       * How long after a production deployment an incident on the same
       * component counts as that deployment's failure (and only until the
       * next production deployment), in hours. Default 24.
       */
      failureWindowHours?: number;
      /**
       * How long a report waits for the delivery index to read facts stored
       * since its last pass, in milliseconds; after a large import or
       * backfill it answers from what has been read, saying how many facts
       * are left (the index goes on in the background). Default 2000.
       */
      catchUpBudgetMs?: number;
      /**
       * Tier thresholds. Defaults: the performance clusters of the 2024
       * Accelerate State of DevOps report (see docs/devex.md).
       */
      tiers?: {
        /** Shown with the tiers, e.g. "our 2027 targets". */
        source?: string;
        /** Minimum deployments per week. Defaults 7, 1, 12/52. */
        deploymentsPerWeek?: { elite?: number; high?: number; medium?: number };
        /** Maximum p50 lead time in hours. Defaults 24, 168, 720. */
        leadTimeHours?: { elite?: number; high?: number; medium?: number };
        /** Maximum change failure rate (0-1). Defaults 0.05, 0.1, 0.2. */
        changeFailureRate?: { elite?: number; high?: number; medium?: number };
        /** Maximum p50 recovery time in hours. Defaults 1, 24, 168. */
        recoveryTimeHours?: { elite?: number; high?: number; medium?: number };
        /** Maximum rework rate (0-1). No default: no tier unless set. */
        reworkRate?: { elite: number; high: number; medium: number };
      };
    };
    onboarding?: {
      /** N of "days to the Nth merged change". Default 10. */
      nthChange?: number;
    };
    demo?: {
      /**
       * Fill a realistic 90-day history for the catalog's users through the
       * sources' sinks, idempotently on every start. Default false.
       */
      enabled?: boolean;
    };
  };
}
