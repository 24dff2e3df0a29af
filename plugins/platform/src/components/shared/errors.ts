import { ResponseError } from '@backstage/errors';

/** The HTTP status of an error from the platform client, when it has one. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof ResponseError) return error.statusCode;
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The server's own message (Backstage error shape), else the error's. */
export function messageOf(error: unknown): string {
  if (error instanceof ResponseError) {
    return error.body?.error?.message ?? error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
