import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import {
  CreateResourceRequest,
  isPendingApproval,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/** What a demo estate file holds: requests as `POST /resources` takes them. */
export interface DemoEstate {
  resources: CreateResourceRequest[];
}

/** What one pass over the estate did. */
export interface DemoEstateOutcome {
  /** New requests the API accepted. */
  created: number;
  /** Requests an earlier pass (or someone by hand) had already made. */
  existing: number;
  /** Requests the API refused, with its message. */
  refused: Array<{ name: string; message: string }>;
  durationMs: number;
}

/** Reads an estate file; throws an Error naming the file and the entry. */
export async function readDemoEstate(file: string): Promise<DemoEstate> {
  const document = parse(await readFile(file, 'utf8')) as unknown;
  const resources = (document as { resources?: unknown } | null)?.resources;
  if (!Array.isArray(resources)) {
    throw new Error(`${file}: must have a list 'resources'`);
  }
  resources.forEach((entry, i) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new Error(`${file}: resources[${i}] must be an object`);
    }
  });
  return { resources: resources as CreateResourceRequest[] };
}

/**
 * The key of one entry: the same entry sends the same key on every start,
 * so the API answers the first result instead of creating it again.
 */
export function demoIdempotencyKey(request: CreateResourceRequest): string {
  return `demo-estate:${request.capabilityRef}:${request.environment}:${request.name}`;
}

/**
 * Requests every resource of the estate through the platform API, with the
 * given (service) credentials, one after the other. Idempotent: a second pass
 * creates nothing. A refused entry is reported, not thrown, so one bad entry
 * leaves the rest of the estate in place.
 */
export async function seedDemoEstate(options: {
  service: PlatformService;
  credentials: BackstageCredentials;
  estate: DemoEstate;
  logger: LoggerService;
}): Promise<DemoEstateOutcome> {
  const { service, credentials, estate, logger } = options;
  const started = Date.now();
  const outcome: DemoEstateOutcome = {
    created: 0,
    existing: 0,
    refused: [],
    durationMs: 0,
  };
  for (const request of estate.resources) {
    try {
      const result = await service.createResource(request, {
        credentials,
        idempotencyKey: demoIdempotencyKey(request),
      });
      if (isPendingApproval(result)) {
        outcome.refused.push({ name: request.name, message: result.message });
      } else if (result.created) outcome.created += 1;
      else outcome.existing += 1;
    } catch (error) {
      // Someone made one by that name by hand: it is there, leave it be.
      if (
        isError(error) &&
        error.name === 'ConflictError' &&
        (await existsByName(service, request, credentials))
      ) {
        outcome.existing += 1;
        continue;
      }
      const message = isError(error) ? error.message : String(error);
      outcome.refused.push({
        name: `${request.capabilityRef} ${request.environment}/${request.name}`,
        message,
      });
      logger.warn(
        `Demo estate: ${request.capabilityRef} ${request.environment}/${request.name} was refused: ${message}`,
      );
    }
  }
  outcome.durationMs = Date.now() - started;
  return outcome;
}

async function existsByName(
  service: PlatformService,
  request: CreateResourceRequest,
  credentials: BackstageCredentials,
): Promise<boolean> {
  const page = await service.listResources(
    {
      capabilityRef: [request.capabilityRef],
      environment: [request.environment],
      text: request.name,
      limit: 500,
    },
    { credentials },
  );
  return page.items.some(r => r.name === request.name);
}
