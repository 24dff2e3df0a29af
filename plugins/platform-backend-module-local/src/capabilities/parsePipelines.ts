import { CAPABILITY_ANNOTATIONS } from '@trellis/backstage-plugin-platform-common';
import { isAbsolute, relative, resolve } from 'node:path';
import {
  asArray,
  asDnsLabel,
  asObject,
  asOptionalObject,
  asOptionalString,
  asString,
  asStringList,
  fail,
  Path,
} from './fields';
import { PipelineDefinition, StepDefinition, StepEnvVar } from './types';

/**
 * The pipeline annotation that lists the steps (container names, comma
 * separated) the local engine runs as local commands although they name a
 * container image. Without it a step with an image is refused: running its
 * `command` on this machine instead of the image is a decision the
 * capability's author makes explicitly.
 */
export const LOCAL_STEPS_ANNOTATION = CAPABILITY_ANNOTATIONS.localSteps;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Variables the engine sets itself; a capability may not override them. */
const RESERVED_ENV = /^(PATH|HOME|LANG|TMPDIR|KRATIX_.*|TRELLIS_.*)$/;

function parseEnv(value: unknown, path: Path): StepEnvVar[] {
  const seen = new Set<string>();
  return asArray(value, path).map((item, i) => {
    const entry = asObject(item, `${path}[${i}]`);
    const name = asString(entry.name, `${path}[${i}].name`);
    if (!ENV_NAME.test(name)) {
      fail(`${path}[${i}].name`, 'must be a valid environment variable name');
    }
    if (RESERVED_ENV.test(name)) {
      fail(
        `${path}[${i}].name`,
        `is ${name}, which the engine sets itself (PATH, HOME, LANG, TMPDIR, KRATIX_*, TRELLIS_*)`,
      );
    }
    if (seen.has(name)) {
      fail(`${path}[${i}].name`, `declares ${name} twice`);
    }
    seen.add(name);
    if (entry.valueFrom !== undefined) {
      const valueFrom = asObject(entry.valueFrom, `${path}[${i}].valueFrom`);
      const ref = asObject(
        valueFrom.secretKeyRef,
        `${path}[${i}].valueFrom.secretKeyRef`,
      );
      return {
        name,
        secretKeyRef: {
          secret: asString(
            ref.name,
            `${path}[${i}].valueFrom.secretKeyRef.name`,
          ),
          key: asString(ref.key, `${path}[${i}].valueFrom.secretKeyRef.key`),
          optional: ref.optional === true,
        },
      };
    }
    if (typeof entry.value !== 'string') {
      return fail(
        `${path}[${i}].value`,
        'must be a string (quote numbers and booleans)',
      );
    }
    return { name, value: entry.value };
  });
}

function parseStep(
  value: unknown,
  path: Path,
  baseDir: string,
  markedLocal: boolean,
): StepDefinition {
  const container = asObject(value, path);
  const name = asDnsLabel(container.name, `${path}.name`);
  const image = asOptionalString(container.image, `${path}.image`);
  const command = asStringList(container.command, `${path}.command`);
  const hasCommand = command.length > 0 && command[0].trim() !== '';
  if (image !== undefined && !markedLocal) {
    fail(
      path,
      hasCommand
        ? `(${name}) runs the container image ${image}, which the local engine cannot run. To run its command on this machine instead, list ${name} in the pipeline's metadata.annotations['${LOCAL_STEPS_ANNOTATION}']`
        : `(${name}) runs the container image ${image}, which the local engine cannot run: give it a command and list ${name} in the pipeline's metadata.annotations['${LOCAL_STEPS_ANNOTATION}'], or install the Promise in Kratix and use the Kubernetes engine`,
    );
  }
  if (!hasCommand) {
    fail(
      `${path}.command`,
      'must name the local command to run (the local engine runs commands, not images)',
    );
  }
  const workingDir = resolve(
    baseDir,
    asOptionalString(container.workingDir, `${path}.workingDir`) ?? '.',
  );
  const rel = relative(baseDir, workingDir);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    fail(`${path}.workingDir`, `must stay inside ${baseDir}`);
  }
  return {
    name,
    argv: [...command, ...asStringList(container.args, `${path}.args`)],
    env: parseEnv(container.env, `${path}.env`),
    workingDir,
  };
}

/** The step names a pipeline's local-steps annotation lists. */
function localSteps(metadata: Record<string, unknown>, path: Path): string[] {
  const annotations = asOptionalObject(
    metadata.annotations,
    `${path}.annotations`,
  );
  const where = `${path}.annotations['${LOCAL_STEPS_ANNOTATION}']`;
  const value = annotations[LOCAL_STEPS_ANNOTATION];
  if (value === undefined || value === null) return [];
  if (typeof value !== 'string') {
    return fail(where, 'must be a comma-separated list of step names');
  }
  return value
    .split(',')
    .map(step => step.trim())
    .filter(Boolean);
}

/** A workflow's pipelines as local steps; `path` names the workflow in messages. */
export function parsePipelines(
  value: unknown,
  path: Path,
  baseDir: string,
): PipelineDefinition[] {
  const names = new Set<string>();
  return asArray(value, path).map((item, i) => {
    const pipeline = asObject(item, `${path}[${i}]`);
    if (pipeline.kind !== 'Pipeline') {
      fail(`${path}[${i}].kind`, 'must be Pipeline');
    }
    const metadata = asObject(pipeline.metadata, `${path}[${i}].metadata`);
    const name = asDnsLabel(metadata.name, `${path}[${i}].metadata.name`);
    const local = localSteps(metadata, `${path}[${i}].metadata`);
    if (names.has(name)) {
      fail(`${path}[${i}].metadata.name`, `repeats pipeline name ${name}`);
    }
    names.add(name);
    const spec = asObject(pipeline.spec, `${path}[${i}].spec`);
    const containers = asArray(
      spec.containers,
      `${path}[${i}].spec.containers`,
    );
    if (containers.length === 0) {
      fail(`${path}[${i}].spec.containers`, 'must list at least one container');
    }
    const stepNames = new Set<string>();
    const steps = containers.map((c, j) => {
      const stepPath = `${path}[${i}].spec.containers[${j}]`;
      const stepName = asObject(c, stepPath).name;
      const step = parseStep(
        c,
        stepPath,
        baseDir,
        typeof stepName === 'string' && local.includes(stepName),
      );
      if (stepNames.has(step.name)) {
        fail(
          `${path}[${i}].spec.containers[${j}].name`,
          `repeats container name ${step.name}`,
        );
      }
      stepNames.add(step.name);
      return step;
    });
    const unknown = local.filter(step => !stepNames.has(step));
    if (unknown.length) {
      fail(
        `${path}[${i}].metadata.annotations['${LOCAL_STEPS_ANNOTATION}']`,
        `names ${unknown.join(', ')}, which is not a step of pipeline ${name}`,
      );
    }
    return { name, steps };
  });
}
