export interface Config {
  platform?: {
    engines?: {
      /**
       * The embedded local engine: Kratix Promise files whose pipelines run
       * as local processes, with a Git repository on disk as the state store.
       */
      local?: {
        /**
         * Set to false to install the module without starting the engine,
         * e.g. in production configuration layered over a laptop one.
         * Default true.
         */
        enabled?: boolean;
        /**
         * Folder of capability definitions, one Kratix Promise per top-level
         * `*.yaml` file (subfolders are not read). Relative to the backend's
         * working directory. Default: `examples/capabilities` at the
         * repository root.
         */
        capabilitiesDir?: string;
        /**
         * Folder of the engine's own state: instances, logs, run folders,
         * what the steps create and the Git state store. Relative to the
         * backend's working directory. Default: `data/local-engine` at the
         * repository root.
         */
        stateDir?: string;
        /**
         * Serve the bare repositories that capabilities create (read-only,
         * unauthenticated) under /api/platform/local-git, so that
         * catalog:register can read their catalog-info.yaml. For laptops and
         * demos; steps get the base URL as TRELLIS_GIT_HTTP_URL.
         */
        gitHttp?: {
          /** Default false. */
          enabled?: boolean;
        };
        /** Pipelines that may run at the same time. Default 4. */
        concurrency?: number;
        /** Seconds a step may run before it is stopped and fails. Default 300. */
        stepTimeoutSeconds?: number;
        /** Largest accepted request spec, in bytes of JSON. Default 262144 (256 KiB). */
        maxSpecBytes?: number;
        /**
         * Output kept per step, in characters; longer output keeps its
         * beginning and end. Default 65536.
         */
        maxLogBytes?: number;
        /** How failed pipelines are retried. */
        retries?: {
          /** Retries after a failure before the resource stays Failed. Default 3. */
          limit?: number;
          /** Seconds before the first retry; doubles each time. Default 5. */
          initialBackoffSeconds?: number;
          /** Longest wait between retries, in seconds. Default 300. */
          maxBackoffSeconds?: number;
        };
        /**
         * Named secrets that pipeline steps can reference from their `env`
         * with `valueFrom.secretKeyRef` (`name` is the secret, `key` the
         * entry), e.g. `secrets.postgres.connectionString` for the example
         * database capability. Steps get nothing else from the backend.
         *
         * @visibility secret
         */
        secrets?: {
          [name: string]: {
            /** @visibility secret */
            [key: string]: string;
          };
        };
      };
    };
  };
}
