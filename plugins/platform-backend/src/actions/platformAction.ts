import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import type { z } from 'zod/v3';
import { invalidInput, toActionError } from './errors';

/** The zod namespace the actions registry hands to schema factories. */
export type Zod = typeof z;

/**
 * What an action does to its environment, said explicitly: the registry's
 * defaults (destructive unless read-only) are not a statement.
 */
export interface PlatformActionAttributes {
  readOnly: boolean;
  idempotent: boolean;
  destructive: boolean;
}

/**
 * One platform operation as an action. The schemas are zod objects with a
 * description on every field; `run` receives the caller's credentials and
 * calls the platform service with them.
 */
export interface PlatformAction<
  TInput extends z.AnyZodObject = z.AnyZodObject,
  TOutput extends z.AnyZodObject = z.AnyZodObject,
> {
  /** Kebab-case; MCP shows it as `platform.<name>`. */
  name: string;
  title: string;
  description: string;
  attributes: PlatformActionAttributes;
  input: (zod: Zod) => TInput;
  output: (zod: Zod) => TOutput;
  examples?: Array<{
    title: string;
    description?: string;
    input: z.input<TInput>;
  }>;
  run(context: {
    input: z.infer<TInput>;
    credentials: BackstageCredentials;
    logger: LoggerService;
  }): Promise<z.input<TOutput>>;
}

/** Keeps the schema types of one action together (inference only). */
export function platformAction<
  TInput extends z.AnyZodObject,
  TOutput extends z.AnyZodObject,
>(action: PlatformAction<TInput, TOutput>): PlatformAction<TInput, TOutput> {
  return action;
}

/** `spec.size`, `environments[1]`, or `(input)` for the object itself. */
function fieldName(path: Array<string | number>): string {
  if (path.length === 0) return '(input)';
  return path
    .map((part, i) => {
      if (typeof part === 'number') return `[${part}]`;
      return i === 0 ? part : `.${part}`;
    })
    .join('');
}

/**
 * The input schema, strict (an unknown field, such as `dryrun` for `dryRun`,
 * is refused rather than dropped: a misspelt dry run must not create), and
 * such that a value it refuses is an InputError naming each field, in the
 * platform API's words (`name: Required`). The registry's own refusal says
 * only "Invalid input to action", which leaves an agent guessing; the JSON
 * Schema it publishes is the object's (with `additionalProperties: false`).
 */
function withNamedFields(schema: z.AnyZodObject, zod: Zod): z.AnyZodObject {
  const strict = schema.strict();
  const named = zod.preprocess(raw => {
    const parsed = strict.safeParse(raw ?? {});
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues.map(issue =>
      issue.code === 'unrecognized_keys'
        ? `${issue.keys.join(', ')}: not a field of this action`
        : `${fieldName(issue.path)}: ${issue.message}`,
    );
    throw invalidInput(problems.join('; '));
  }, strict);
  // The registry types its schemas as objects; a preprocessed object parses
  // and converts to JSON Schema as the object does.
  return named as unknown as z.AnyZodObject;
}

/**
 * A schema factory that builds its schema once: the registry calls the
 * factories on every list and every call (each MCP tool call lists all
 * actions first), and a schema never changes.
 */
function once<T>(factory: (zod: Zod) => T): (zod: Zod) => T {
  let built: { zod: Zod; schema: T } | undefined;
  return zod => {
    if (built?.zod !== zod) built = { zod, schema: factory(zod) };
    return built.schema;
  };
}

/**
 * Registers the platform's actions. The one place that knows the registry's
 * shape of an action, so that its move to Standard Schema objects changes
 * this function only.
 */
export function registerPlatformActions(
  registry: ActionsRegistryService,
  actions: PlatformAction<any, any>[],
): void {
  for (const action of actions) {
    registry.register({
      name: action.name,
      title: action.title,
      description: action.description,
      attributes: {
        readOnly: action.attributes.readOnly,
        idempotent: action.attributes.idempotent,
        destructive: action.attributes.destructive,
      },
      examples: action.examples,
      schema: {
        input: once(zod => withNamedFields(action.input(zod), zod)),
        output: once(zod => action.output(zod)),
      },
      action: async ({ input, credentials, logger }) => {
        try {
          return { output: await action.run({ input, credentials, logger }) };
        } catch (error) {
          throw toActionError(error);
        }
      },
    });
  }
}
