import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ResourcePhase } from '@trellis/backstage-plugin-platform-common';
import { KubeObject } from '../cluster/types';

const FIXTURES = path.resolve(__dirname, '../__fixtures__');

function documents(file: string): string[] {
  return fs
    .readFileSync(path.join(FIXTURES, file), 'utf8')
    .split(/^---$/m)
    .filter(text => text.trim());
}

/** The objects of a multi-document fixture file, e.g. `kratix/promise-postgresql.yaml`. */
export function loadObjects(file: string): KubeObject[] {
  return documents(file).map(text => parse(text));
}

/** The first object of a fixture file named `name`. */
export function loadObject(file: string, name?: string): KubeObject {
  const objects = loadObjects(file);
  const found = name
    ? objects.find(object => object.metadata.name === name)
    : objects[0];
  if (!found) {
    throw new Error(`Fixture ${file} has no object ${name}`);
  }
  return found;
}

/**
 * The documents of a states fixture: each starts with `# state: <phase>`
 * and a line saying what it shows.
 */
export function loadStates(
  file: string,
): Array<{ phase: ResourcePhase; description: string; object: KubeObject }> {
  return documents(file).map(text => {
    const [, phase, description] = /^# state: (\w+)\n# (.*)$/m.exec(text) ?? [];
    if (!phase) {
      throw new Error(`A document in ${file} has no '# state:' comment`);
    }
    return {
      phase: phase as ResourcePhase,
      description,
      object: parse(text),
    };
  });
}
