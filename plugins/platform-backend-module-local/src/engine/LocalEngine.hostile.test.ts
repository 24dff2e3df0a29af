import { InputError } from '@backstage/errors';
import { JsonObject } from '@trellis/backstage-plugin-platform-common';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  desiredResource,
  STEP_SCRIPT,
  useEngineFolders,
} from '../__testUtils__/harness';

jest.setTimeout(30_000);

describe('LocalEngine on hostile input', () => {
  const { dirs, start, writeCapability, committedFiles } = useEngineFolders();

  it.each([
    [
      'shell metacharacters in the name',
      { name: 'x; rm -rf ~' },
      'Invalid name "x; rm -rf ~"',
    ],
    [
      'a command substitution as name',
      { name: '$(touch pwned)' },
      'Invalid name',
    ],
    [
      'path traversal in the name',
      { name: '../../etc' },
      'Invalid name "../../etc"',
    ],
    [
      'path traversal in the environment',
      { environment: '..' },
      'Invalid environment ".."',
    ],
    [
      'a slash in the environment',
      { environment: 'dev/../../x' },
      'Invalid environment',
    ],
    [
      'path traversal in the resource id',
      { resourceId: '../../outside' },
      'Invalid resourceId "../../outside"',
    ],
    [
      'path traversal in the capability',
      { capability: '../widget' },
      'Invalid capability "../widget"',
    ],
    [
      'a name that is too long',
      { name: 'a'.repeat(64) },
      'at most 63 characters',
    ],
  ])('refuses %s with a clear error', async (_, overrides, message) => {
    await writeCapability();
    const { engine } = await start();

    const attempt = engine.apply(desiredResource(overrides));

    await expect(attempt).rejects.toThrow(InputError);
    await expect(attempt).rejects.toThrow(message);
    await expect(readdir(join(dirs.stateDir, 'instances'))).resolves.toEqual(
      [],
    );
    await expect(readdir(join(dirs.stateDir, 'runs'))).resolves.toEqual([]);
  });

  it('refuses a huge spec with a clear error', async () => {
    await writeCapability();
    const { engine } = await start();

    await expect(
      engine.apply(desiredResource({ spec: { blob: 'x'.repeat(300 * 1024) } })),
    ).rejects.toThrow('spec: is 307211 bytes; the limit is 262144 bytes');
  });

  it('refuses a deeply nested spec', async () => {
    await writeCapability();
    const { engine } = await start();
    let spec: JsonObject = {};
    for (let i = 0; i < 100; i++) spec = { nested: spec };

    await expect(engine.apply(desiredResource({ spec }))).rejects.toThrow(
      'nested more than 32 levels deep',
    );
  });

  it('refuses a spec that does not match the schema, naming the field', async () => {
    await writeCapability({
      specSchema: {
        type: 'object',
        properties: { size: { type: 'string', enum: ['small', 'large'] } },
        additionalProperties: false,
      },
    });
    const { engine } = await start();

    await expect(
      engine.apply(desiredResource({ spec: { size: 'huge' } })),
    ).rejects.toThrow(
      'Invalid spec for local:widget: spec.size: must be one of "small", "large"',
    );
  });

  it('hands shell metacharacters in the spec to steps as inert data', async () => {
    const marker = join(dirs.stateDir, 'pwned');
    const payload = `$(touch ${marker}); \`touch ${marker}\` && touch ${marker} | ; ' " \\ \n ../../etc/passwd`;
    // Even a shell step only ever sees the request as a file.
    await writeCapability({
      configure: [
        {
          name: 'shell',
          command: [
            'sh',
            '-c',
            'cp "$KRATIX_INPUT_FILE" "$KRATIX_OUTPUT_DIR/copy.yaml"',
          ],
        },
        {
          name: 'node',
          command: [process.execPath, STEP_SCRIPT, 'configure'],
        },
      ],
    });
    const { engine, waitForPhase } = await start();
    const desired = desiredResource({ spec: { message: payload } });

    await engine.apply(desired);
    const ready = await waitForPhase(desired.resourceId, 'Ready');

    expect(ready.outputs.echo).toBe(payload);
    expect(existsSync(marker)).toBe(false);
    const committed = await readFile(
      join(
        dirs.stateDir,
        'state-store',
        'resources',
        'dev',
        'widget',
        desired.name,
        'instance-configure',
        'copy.yaml',
      ),
      'utf8',
    );
    expect(committed).toContain('touch');
  });

  it('never commits files a step links from elsewhere', async () => {
    const secretFile = join(dirs.stateDir, 'outside.txt');
    await writeFile(secretFile, 'not for the state store');
    await writeCapability({
      configure: [
        {
          name: 'link',
          command: [
            'sh',
            '-c',
            `ln -s ${secretFile} "$KRATIX_OUTPUT_DIR/leak.txt" && echo ok > "$KRATIX_OUTPUT_DIR/real.txt"`,
          ],
        },
      ],
    });
    const { engine, waitForPhase } = await start();
    const desired = desiredResource();

    await engine.apply(desired);
    await waitForPhase(desired.resourceId, 'Ready');

    await expect(committedFiles(desired)).resolves.toEqual([
      'instance-configure/real.txt',
    ]);
  });
});
