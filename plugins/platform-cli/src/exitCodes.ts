import { ResponseError } from '@backstage/errors';

/**
 * The exit codes of the trellis command. Scripts rely on them, so they are
 * part of its contract: documented in docs/cli.md, tested in cli.*.test.ts.
 *
 * @public
 */
export const EXIT = {
  /** Done. For `apply`: created, updated or already as the file says. */
  ok: 0,
  /** Anything else: the backend failed (5xx), could not be reached, … */
  error: 1,
  /** Bad usage or bad input: an unknown flag, an invalid file, a 400. */
  usage: 2,
  /** The resource, capability or rollout does not exist (404). */
  notFound: 3,
  /** No token, a token the backend refuses (401), or not permitted (403). */
  notAllowed: 4,
  /** `wait` gave up before the resource reached the phase. */
  timeout: 5,
  /** A conflict (409): a stale generation, a name taken by another owner, … */
  conflict: 6,
  /**
   * `wait` saw the resource end in a phase it cannot leave by itself (Failed,
   * Deleted); `approvals wait` saw the change request end without being
   * applied (rejected, expired, cancelled, failed).
   */
  failedPhase: 7,
  /**
   * A change needs a person's approval: it became a change request (its id
   * is printed) and nothing changed yet. `apply`, `delete`.
   */
  needsApproval: 8,
} as const;

/** @public */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the command reports in one line and exits with `code`. */
export class CliError extends Error {
  constructor(message: string, readonly code: ExitCode) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Ends the command with `code` after it printed its answer (e.g. exit 8 for
 * a change that waits for approval): nothing more goes to stderr.
 */
export class ExitStatus extends Error {
  constructor(readonly code: ExitCode) {
    super(`exit ${code}`);
    this.name = 'ExitStatus';
  }
}

/** Bad usage or input, exit code 2. */
export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

function exitCodeForStatus(status: number): ExitCode {
  if (status === 400 || status === 413 || status === 422) return EXIT.usage;
  if (status === 401 || status === 403) return EXIT.notAllowed;
  if (status === 404) return EXIT.notFound;
  if (status === 409 || status === 412) return EXIT.conflict;
  return EXIT.error;
}

/** What the user reads on stderr, and the exit code, for any error. */
export function describeError(
  error: unknown,
  baseUrl: string,
): { message: string; code: ExitCode } {
  if (error instanceof CliError) {
    return { message: error.message, code: error.code };
  }
  if (error instanceof ResponseError) {
    const status = error.response.status;
    const serverMessage = error.body?.error?.message ?? error.message;
    let message = serverMessage;
    if (status === 401) {
      message = `The backend at ${baseUrl} did not accept the token (${serverMessage}). Get a new one: backstage-cli auth login, or set TRELLIS_TOKEN.`;
    }
    return { message, code: exitCodeForStatus(status) };
  }
  const cause = (error as { cause?: { code?: string } })?.cause;
  if (error instanceof TypeError && cause?.code) {
    return {
      message: `Cannot reach the Trellis backend at ${baseUrl} (${cause.code}). Is it running? Set --url or TRELLIS_URL.`,
      code: EXIT.error,
    };
  }
  return {
    message: error instanceof Error ? error.message : String(error),
    code: EXIT.error,
  };
}
