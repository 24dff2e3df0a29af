import { LoggerService } from '@backstage/backend-plugin-api';

/** How the local engine is set up; see config.d.ts for the meaning. */
export interface LocalEngineOptions {
  capabilitiesDir: string;
  stateDir: string;
  logger: LoggerService;
  /** Pipelines that may run at once. Default 4. */
  concurrency?: number;
  /** Default 300. */
  stepTimeoutSeconds?: number;
  /** Default 256 KiB. */
  maxSpecBytes?: number;
  /** Per step. Default 64 KiB. */
  maxLogBytes?: number;
  retries?: {
    /** Retries after a failure before giving up. Default 3. */
    limit?: number;
    /** Default 5. */
    initialBackoffSeconds?: number;
    /** Default 300. */
    maxBackoffSeconds?: number;
  };
  /** Values steps can reference with `valueFrom.secretKeyRef`. */
  secrets?: Record<string, Record<string, string>>;
  /**
   * Non-secret variables every pipeline step gets, such as
   * `TRELLIS_GIT_HTTP_URL` when the backend serves the engine's repositories.
   */
  stepEnv?: Record<string, string>;
  /** Watch the capabilities folder for changes. Default true. */
  watchCapabilities?: boolean;
}
