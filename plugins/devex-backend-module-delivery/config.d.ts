export interface Config {
  devex?: {
    delivery?: {
      /**
       * Environments whose deployments count as production (compared
       * case-insensitively). Default ['production', 'prod'].
       */
      productionEnvironments?: string[];
      /** The GitHub issue label that makes an issue an incident. Default 'incident'. */
      incidentLabel?: string;
      /**
       * Days of history the backfills read (GitHub with an
       * `integrations.github` entry, GitLab with an `integrations.gitlab`
       * entry that has a token). Default 90.
       */
      backfillDays?: number;
      /**
       * Minutes between backfill runs, for GitHub and GitLab alike (each
       * reads only what is new). Default 60.
       */
      backfillIntervalMinutes?: number;
    };
  };
  events?: {
    modules?: {
      pagerduty?: {
        /**
         * The secret of the PagerDuty v3 webhook subscription; requests
         * without a matching X-PagerDuty-Signature are refused (401).
         * @visibility secret
         */
        webhookSecret?: string;
        /**
         * More secrets, accepted as well (while one is rotated).
         * @visibility secret
         */
        webhookSecrets?: string[];
      };
    };
  };
}
