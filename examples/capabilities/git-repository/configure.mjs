// Creates a bare Git repository on this machine and pushes a starter commit.
// Idempotent: a re-run (spec change, upgrade, retry) only updates settings.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import {
  capabilityDataDir,
  fail,
  readObject,
  writeOutput,
  writeStatus,
} from '../lib/kratix.mjs';

const { metadata, spec } = readObject();
const branch = spec.defaultBranch ?? 'main';
const template = spec.template ?? 'readme';
const protect = process.env.PROTECT_DEFAULT_BRANCH === 'true';

// Annotations for the starter's component, e.g. the golden path that made it.
const componentAnnotations = Object.entries(spec.componentAnnotations ?? {});
// The catalog's rule for annotation keys: an optional DNS prefix, a name.
const annotationKey =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
for (const [key] of componentAnnotations) {
  if (!annotationKey.test(key)) {
    fail(
      `componentAnnotations: ${JSON.stringify(key)} is not an annotation key`,
    );
  }
}

// Every git call gets an argument array: user input is never parsed by a shell.
const git = (...args) =>
  execFileSync('git', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
const succeeds = (...args) => {
  try {
    execFileSync('git', args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

if (!succeeds('check-ref-format', '--branch', branch)) {
  fail(`defaultBranch ${JSON.stringify(branch)} is not a valid branch name`);
}

const repository = join(
  capabilityDataDir(),
  metadata.namespace,
  `${metadata.name}.git`,
);
const cloneUrl = pathToFileURL(repository).href;

if (!existsSync(repository)) {
  mkdirSync(repository, { recursive: true });
  git('init', '--quiet', '--bare', `--initial-branch=${branch}`, repository);
  console.log(`Created bare repository ${repository}`);
}

if (
  !succeeds('--git-dir', repository, 'rev-parse', '--verify', '--quiet', 'HEAD')
) {
  const work = join(process.env.HOME, 'starter');
  mkdirSync(work, { recursive: true });
  git('init', '--quiet', `--initial-branch=${branch}`, work);
  writeFileSync(
    join(work, 'README.md'),
    `# ${metadata.name}\n\n${spec.description ?? ''}\n`,
  );
  if (template === 'node-service') {
    writeFileSync(join(work, '.gitignore'), 'node_modules/\n');
    writeFileSync(
      join(work, 'package.json'),
      `${JSON.stringify(
        {
          name: metadata.name,
          version: '0.1.0',
          private: true,
          main: 'index.js',
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(
      join(work, 'index.js'),
      `console.log('Hello from ${metadata.name}');\n`,
    );
    // The component this repository belongs to, ready for catalog:register.
    const annotations = metadata.annotations ?? {};
    const componentName = String(
      annotations['trellis.dev/component'] ?? metadata.name,
    ).replace(/^.*\//, '');
    writeFileSync(
      join(work, 'catalog-info.yaml'),
      stringify({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: componentName,
          ...(spec.description ? { description: spec.description } : {}),
          tags: ['nodejs'],
          ...(componentAnnotations.length
            ? { annotations: Object.fromEntries(componentAnnotations) }
            : {}),
        },
        spec: {
          type: 'service',
          lifecycle: 'experimental',
          owner:
            annotations['trellis.dev/owner'] ?? 'group:default/platform-team',
        },
      }),
    );
  }
  git('-C', work, 'add', '--all');
  git(
    '-C',
    work,
    '-c',
    'user.name=Trellis',
    '-c',
    'user.email=trellis@localhost',
    'commit',
    '--quiet',
    '-m',
    'Initial commit from Trellis',
  );
  git('-C', work, 'push', '--quiet', repository, `HEAD:refs/heads/${branch}`);
  console.log(`Pushed a starter commit (${template}) to ${branch}`);
}

// A changed default branch starts where the old one is.
const head = git(
  '--git-dir',
  repository,
  'symbolic-ref',
  '--short',
  'HEAD',
).trim();
if (head !== branch) {
  if (
    !succeeds(
      '--git-dir',
      repository,
      'rev-parse',
      '--verify',
      '--quiet',
      `refs/heads/${branch}`,
    )
  ) {
    git('--git-dir', repository, 'branch', branch, head);
  }
  git('--git-dir', repository, 'symbolic-ref', 'HEAD', `refs/heads/${branch}`);
  console.log(`Default branch is now ${branch}`);
}

writeFileSync(
  join(repository, 'description'),
  `${spec.description ?? metadata.name}\n`,
);

// Version v1.1.0 protects the default branch: no force pushes, no deletes.
for (const setting of ['receive.denyNonFastForwards', 'receive.denyDeletes']) {
  if (protect) {
    git('--git-dir', repository, 'config', setting, 'true');
  } else {
    succeeds('--git-dir', repository, 'config', '--unset', setting);
  }
}

writeOutput('repository.yaml', {
  apiVersion: 'platform.trellis.dev/v1alpha1',
  kind: 'GitRepository',
  metadata: { name: metadata.name, namespace: metadata.namespace },
  spec: {
    cloneUrl,
    defaultBranch: branch,
    template,
    branchProtection: protect,
  },
});
// When the backend serves the engine's repositories, files are readable over
// HTTP: the catalog-info.yaml of a service starter can be registered.
const httpBase = process.env.TRELLIS_GIT_HTTP_URL;
const rawUrl = path =>
  `${httpBase}/git-repository/${metadata.namespace}/${metadata.name}/raw/${branch}/${path}`;

writeStatus({
  message: `Repository ready: git clone ${cloneUrl}`,
  cloneUrl,
  defaultBranch: branch,
  branchProtection: protect,
  ...(httpBase ? { readmeUrl: rawUrl('README.md') } : {}),
  ...(httpBase && template === 'node-service'
    ? { catalogInfoUrl: rawUrl('catalog-info.yaml') }
    : {}),
});
