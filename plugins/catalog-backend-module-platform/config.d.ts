import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  catalog?: {
    providers?: {
      /**
       * The Trellis platform entity provider: capabilities become API and
       * Template entities, resources become Resource entities.
       */
      platform?: {
        /**
         * When the full refresh runs. Default: every 5 minutes, with a
         * 15 minute timeout. Changes of single resources reach the catalog
         * sooner, as deltas.
         */
        schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        /**
         * Owner of capabilities that name none, as an entity ref.
         * Default `group:default/platform-team`.
         */
        defaultOwner?: string;
        /** The Template generated for every capability. */
        templates?: {
          /** Emit a Template per capability. Default true. */
          enabled?: boolean;
          /**
           * The environments a user can choose from, first is the default.
           * Default `[dev, staging, production]`.
           */
          environments?: string[];
          /**
           * The `backstage.io/time-saved` annotation: what one request saves
           * compared with doing it by hand, as an ISO 8601 duration.
           * Default `PT2H`.
           */
          timeSaved?: string;
        };
      };
    };
  };
}
