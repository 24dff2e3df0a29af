import { asArray, asOptionalObject, fail } from './fields';

/** "Promise nginx-ingress, Promise postgresql" for a message (at most three). */
export function describeDocuments(documents: unknown[]): string {
  const names = documents.slice(0, 3).map(document => {
    const object =
      typeof document === 'object' && document !== null
        ? (document as Record<string, unknown>)
        : {};
    const metadata =
      typeof object.metadata === 'object' && object.metadata !== null
        ? (object.metadata as Record<string, unknown>)
        : {};
    return [object.kind, metadata.name]
      .filter(part => typeof part === 'string')
      .join(' ');
  });
  const more = documents.length > 3 ? ` and ${documents.length - 3} more` : '';
  return `${names.filter(Boolean).join(', ') || 'unnamed documents'}${more}`;
}

/**
 * Kratix installs a Promise's dependencies and runs its Promise workflows on
 * its destinations; the local engine has neither, so it refuses them rather
 * than serving a capability that silently lacks what they would install.
 */
export function refuseKratixOnlyParts(
  spec: Record<string, unknown>,
  workflows: Record<string, unknown>,
) {
  const dependencies = asArray(spec.dependencies, 'spec.dependencies');
  if (dependencies.length) {
    fail(
      'spec.dependencies',
      `lists what Kratix installs on its destinations (${describeDocuments(
        dependencies,
      )}); the local engine cannot install them. Remove them for the local engine, or install the Promise in Kratix and use the Kubernetes engine`,
    );
  }
  const promise = asOptionalObject(workflows.promise, 'spec.workflows.promise');
  for (const action of ['configure', 'delete']) {
    const path = `spec.workflows.promise.${action}`;
    if (asArray(promise[action], path).length) {
      fail(
        path,
        'is a Promise workflow, which Kratix runs once for the whole Promise (for example to install an operator); the local engine runs only resource workflows. Remove it for the local engine, or install the Promise in Kratix and use the Kubernetes engine',
      );
    }
  }
}
