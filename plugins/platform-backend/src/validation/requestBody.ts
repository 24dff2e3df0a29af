import { CustomErrorBase, InputError } from '@backstage/errors';
import express from 'express';
import { MAX_SPEC_DEPTH, nestsDeeperThan, tooDeepError } from './SpecValidator';

/**
 * The largest request body accepted: room for the largest spec a capability
 * accepts (256 KiB) plus the envelope, so that the spec's own size check can
 * name the field.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A request body over the limit: `413` in Backstage's error shape. */
export class PayloadTooLargeError extends CustomErrorBase {
  /** Read by Backstage's error handler for the response status. */
  readonly statusCode = 413;
}

/** The parts of an OpenAPI document that describe JSON request bodies. */
interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: {
          content?: Record<string, { schema?: JsonSchemaOrRef }>;
        };
      }
    >
  >;
  components?: { schemas?: Record<string, JsonSchemaOrRef> };
}

interface JsonSchemaOrRef {
  $ref?: string;
  additionalProperties?: unknown;
  properties?: Record<string, unknown>;
}

/** The top-level fields one operation's JSON body may have. */
interface BodyFields {
  method: string;
  path: RegExp;
  fields: string[];
}

function closedBodies(document: OpenApiDocument): BodyFields[] {
  const resolve = (schema?: JsonSchemaOrRef) => {
    const name = schema?.$ref?.match(/^#\/components\/schemas\/(.+)$/)?.[1];
    return name ? document.components?.schemas?.[name] : schema;
  };
  const bodies: BodyFields[] = [];
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const schema = resolve(
        operation.requestBody?.content?.['application/json']?.schema,
      );
      if (schema?.additionalProperties !== false || !schema.properties) {
        continue;
      }
      const pattern = template
        .split(/\{[^}]+\}/)
        .map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]+');
      bodies.push({
        method: method.toLocaleUpperCase('en-US'),
        path: new RegExp(`^${pattern}/?$`),
        fields: Object.keys(schema.properties),
      });
    }
  }
  return bodies;
}

/**
 * Parses JSON request bodies and refuses, in Backstage's error shape, what
 * the OpenAPI validator would answer unclearly or not survive: a body over
 * {@link MAX_BODY_BYTES} (`413`), a body that is not JSON, values nested more
 * than {@link MAX_SPEC_DEPTH} levels deep (named by their top-level field),
 * and top-level fields the operation does not have (each named).
 *
 * Mount it in front of the validated router rather than inside it: errors
 * raised inside that router all become `400` with the validator's wording.
 */
export function jsonRequestBody(document: unknown): express.RequestHandler {
  const parse = express.json({ limit: MAX_BODY_BYTES });
  const bodies = closedBodies(document as OpenApiDocument);

  const check = (req: express.Request) => {
    const body: unknown = req.body;
    if (body === null || typeof body !== 'object') return;
    for (const [field, value] of Object.entries(body)) {
      if (nestsDeeperThan(value, MAX_SPEC_DEPTH)) throw tooDeepError(field);
    }
    if (Array.isArray(body)) return;
    const operation = bodies.find(
      b => b.method === req.method && b.path.test(req.path),
    );
    if (!operation) return;
    const unknown = Object.keys(body).filter(
      key => !operation.fields.includes(key),
    );
    if (unknown.length) {
      throw new InputError(
        `${unknown
          .map(key => `${key}: is not a field of this request`)
          .join('; ')} (its fields are ${operation.fields.join(', ')})`,
      );
    }
  };

  return (req, res, next) => {
    parse(req, res, (error?: unknown) => {
      if (error) {
        next(describeParseError(error));
        return;
      }
      try {
        check(req);
        next();
      } catch (problem) {
        next(problem);
      }
    });
  };
}

/** body-parser's errors, said the way the platform API says errors. */
function describeParseError(error: unknown): unknown {
  const { type, length } = error as { type?: string; length?: number };
  if (type === 'entity.too.large') {
    return new PayloadTooLargeError(
      `The request body is ${
        typeof length === 'number' ? `${length} bytes` : 'too large'
      }; the limit is ${MAX_BODY_BYTES} bytes (${
        MAX_BODY_BYTES / 1024 / 1024
      } MiB)`,
    );
  }
  if (type === 'entity.parse.failed') {
    return new InputError(
      `The request body is not JSON: ${(error as Error).message}`,
    );
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new InputError(
      `The request body must be JSON in UTF-8: ${(error as Error).message}`,
    );
  }
  return error;
}
