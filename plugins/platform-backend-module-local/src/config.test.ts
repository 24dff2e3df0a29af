import { ConfigReader } from '@backstage/config';
import { join, resolve } from 'node:path';
import { findWorkspaceRoot, readLocalEngineConfig } from './config';

const repoRoot = findWorkspaceRoot(__dirname);
const backendDir = join(repoRoot, 'packages', 'backend');

describe('readLocalEngineConfig', () => {
  it('defaults to the example capabilities and data/local-engine at the repository root', () => {
    const options = readLocalEngineConfig(new ConfigReader({}), backendDir);

    expect(options.capabilitiesDir).toBe(
      join(repoRoot, 'examples', 'capabilities'),
    );
    expect(options.stateDir).toBe(join(repoRoot, 'data', 'local-engine'));
    expect(options.secrets).toEqual({});
  });

  it('resolves relative paths against the working directory and reads every key', () => {
    const options = readLocalEngineConfig(
      new ConfigReader({
        platform: {
          engines: {
            local: {
              capabilitiesDir: '../../my-capabilities',
              stateDir: '/var/lib/trellis',
              concurrency: 8,
              stepTimeoutSeconds: 60,
              maxSpecBytes: 1024,
              maxLogBytes: 2048,
              retries: {
                limit: 0,
                initialBackoffSeconds: 1,
                maxBackoffSeconds: 10,
              },
              secrets: { postgres: { connectionString: 'postgresql://x' } },
            },
          },
        },
      }),
      backendDir,
    );

    expect(options).toEqual({
      capabilitiesDir: resolve(repoRoot, 'my-capabilities'),
      stateDir: '/var/lib/trellis',
      concurrency: 8,
      stepTimeoutSeconds: 60,
      maxSpecBytes: 1024,
      maxLogBytes: 2048,
      retries: { limit: 0, initialBackoffSeconds: 1, maxBackoffSeconds: 10 },
      secrets: { postgres: { connectionString: 'postgresql://x' } },
    });
  });

  it.each([
    [{ concurrency: 0 }, 'concurrency must be a positive whole number, got 0'],
    [{ concurrency: 1.5 }, 'concurrency must be a positive whole number'],
    [
      { stepTimeoutSeconds: -1 },
      'stepTimeoutSeconds must be a positive number',
    ],
    [{ retries: { limit: -1 } }, 'retries.limit must be a whole number'],
  ])('refuses %j', (local, message) => {
    expect(() =>
      readLocalEngineConfig(
        new ConfigReader({ platform: { engines: { local } } }),
        backendDir,
      ),
    ).toThrow(message);
  });
});
