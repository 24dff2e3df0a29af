import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { InputError, isError, NotAllowedError } from '@backstage/errors';
import type { z } from 'zod/v3';

/** The zod namespace the actions registry hands to schema factories. */
export type Zod = typeof z;

/**
 * One DevEx read as an action: zod schemas with a description on every
 * field; `run` gets the caller's credentials and asks DevexReads with them.
 * DevEx actions only read, and say so explicitly.
 */
export interface DevexAction<
  TInput extends z.AnyZodObject = z.AnyZodObject,
  TOutput extends z.AnyZodObject = z.AnyZodObject,
> {
  /** Kebab-case; MCP shows it as `devex.<name>`. */
  name: string;
  title: string;
  description: string;
  input: (zod: Zod) => TInput;
  output: (zod: Zod) => TOutput;
  run(context: {
    input: z.infer<TInput>;
    credentials: BackstageCredentials;
  }): Promise<unknown>;
}

/** Keeps the schema types of one action together (inference only). */
export function devexAction<
  TInput extends z.AnyZodObject,
  TOutput extends z.AnyZodObject,
>(action: DevexAction<TInput, TOutput>): DevexAction<TInput, TOutput> {
  return action;
}

function invalidInput(problems: string): InputError {
  return new InputError(
    `Invalid input: ${problems}. Correct the named field and call again`,
  );
}

/**
 * The input, strict (an unknown field is refused, not dropped: a misspelt
 * `tema` must not widen the answer to every team), with each refused field
 * named (`from: ...`). The registry's own refusal says only "Invalid input
 * to action".
 */
function withNamedFields(schema: z.AnyZodObject, zod: Zod): z.AnyZodObject {
  const strict = schema.strict();
  const named = zod.preprocess(raw => {
    const parsed = strict.safeParse(raw ?? {});
    if (parsed.success) return parsed.data;
    throw invalidInput(
      parsed.error.issues
        .map(issue =>
          issue.code === 'unrecognized_keys'
            ? `${issue.keys.join(', ')}: not a field of this action`
            : `${issue.path.join('.') || '(input)'}: ${issue.message}`,
        )
        .join('; '),
    );
  }, strict);
  // A preprocessed object parses and converts to JSON Schema as the object.
  return named as unknown as z.AnyZodObject;
}

/** The service's refusal in words an agent can act on; same error type. */
function toActionError(error: unknown): unknown {
  if (!isError(error)) return error;
  if (error.name === 'InputError') return invalidInput(error.message);
  if (error.name === 'NotAllowedError') {
    return new NotAllowedError(
      `Refused by the DevEx permission policy: ${error.message}. Not a fault to retry: ask a DevEx administrator for access`,
    );
  }
  return error;
}

/** Builds a schema once: the registry calls the factories on every list and call. */
function once<T>(factory: (zod: Zod) => T): (zod: Zod) => T {
  let built: { zod: Zod; schema: T } | undefined;
  return zod => {
    if (built?.zod !== zod) built = { zod, schema: factory(zod) };
    return built.schema;
  };
}

/**
 * Registers the DevEx actions: the one place that knows the registry's shape
 * of an action, so that its move to Standard Schema objects changes this
 * function only.
 */
export function registerDevexActions(
  registry: ActionsRegistryService,
  actions: DevexAction<any, any>[],
): void {
  for (const action of actions) {
    registry.register({
      name: action.name,
      title: action.title,
      description: action.description,
      attributes: { readOnly: true, idempotent: true, destructive: false },
      schema: {
        input: once(zod => withNamedFields(action.input(zod), zod)),
        output: once(zod => action.output(zod)),
      },
      action: async ({ input, credentials }) => {
        try {
          return {
            output: (await action.run({ input, credentials })) as any,
          };
        } catch (error) {
          throw toActionError(error);
        }
      },
    });
  }
}
