/*
 * The webhook bench's data: its settings, the signed GitHub deliveries it
 * sends (from @octokit/webhooks-examples, one repo and number each), the
 * catalog the mapping reads, and the bench backend's target (folder, store).
 */
import examples from '@octokit/webhooks-examples';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchDatabase, DevexBenchTarget, dropBenchDatabases } from './backend';

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
export const WORKERS = Number(process.env.BENCH_WORKERS ?? 8);
export const REPOS = Number(process.env.BENCH_REPOS ?? 40);
export const SECRET = 'bench-webhook-secret';

function example(name: string, match: (e: any) => boolean): any {
  const found = examples
    .find(d => d.name === name)
    ?.examples.find(e => match(e));
  if (!found) throw new Error(`no ${name} example`);
  return found;
}
const PULL_REQUEST = JSON.stringify(
  example('pull_request', e => e.action === 'closed'),
);
const DEPLOYMENT_STATUS = JSON.stringify(
  example('deployment_status', () => true),
);

const repoName = (i: number) => `bench-org/service-${i}`;

/** Components claiming the repos and users claiming the logins. */
function writeCatalog(file: string) {
  const docs: string[] = [];
  for (let i = 0; i < REPOS; i++) {
    docs.push(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: service-${i}
  annotations:
    github.com/project-slug: ${repoName(i)}
spec: { type: service, lifecycle: production, owner: group:default/team-${
      i % 4
    } }`);
  }
  for (let i = 0; i < 4; i++) {
    docs.push(`apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-${i} }
spec: { type: team, children: [] }`);
  }
  for (let i = 0; i < 20; i++) {
    docs.push(`apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: dev-${i}
  annotations:
    github.com/user-login: dev-${i}
spec: { memberOf: [team-${i % 4}] }`);
  }
  fs.writeFileSync(file, `${docs.join('\n---\n')}\n`);
}

export interface Delivery {
  id: string;
  event: string;
  body: string;
  /** The fact it must become: `pr:<repo>#<n>` or `deployment:<repo>#<id>`. */
  fact?: string;
}

let sequence = 0;
export function nextDelivery(kind: 'delivery' | 'ingress'): Delivery {
  const n = ++sequence;
  const repo = repoName(n % REPOS);
  const [owner, name] = repo.split('/');
  const at = new Date(Date.now() - (n % 86_400) * 1000).toISOString();
  if (kind === 'ingress' || n % 5 >= 3) {
    const body = JSON.parse(DEPLOYMENT_STATUS);
    body.repository.full_name = repo;
    body.repository.name = name;
    body.repository.owner.login = owner;
    body.deployment.id = n;
    body.deployment.environment = 'production';
    body.deployment.created_at = at;
    body.deployment_status.id = n;
    body.deployment_status.state = 'success';
    body.deployment_status.environment = 'production';
    body.deployment_status.created_at = at;
    body.deployment_status.updated_at = at;
    return {
      id: randomUUID(),
      event: kind === 'ingress' ? 'star' : 'deployment_status',
      body: JSON.stringify(body),
      fact: kind === 'ingress' ? undefined : `deployment:${repo}#${n}`,
    };
  }
  const body = JSON.parse(PULL_REQUEST);
  body.repository.full_name = repo;
  body.repository.name = name;
  body.repository.owner.login = owner;
  body.number = n;
  body.pull_request.number = n;
  body.pull_request.merged = true;
  body.pull_request.merged_at = at;
  body.pull_request.closed_at = at;
  body.pull_request.user.login = `dev-${n % 20}`;
  return {
    id: randomUUID(),
    event: 'pull_request',
    body: JSON.stringify(body),
    fact: `pr:${repo}#${n}`,
  };
}

export async function target(name: string): Promise<DevexBenchTarget> {
  const database = benchDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `devex-hooks-${name}-`));
  const catalogFile = path.join(dir, 'catalog.yaml');
  writeCatalog(catalogFile);
  return {
    database,
    dir,
    logFile: path.join(dir, 'backend.log'),
    delivery: { catalogFile, secret: SECRET },
    ...(database === 'postgres'
      ? {
          pgPrefix: `devexhooks_${process.pid}_${randomBytes(3).toString(
            'hex',
          )}_`,
        }
      : {}),
  };
}

export async function cleanup(t: DevexBenchTarget) {
  fs.rmSync(t.dir, { recursive: true, force: true });
  if (t.pgPrefix) await dropBenchDatabases(t.pgPrefix);
}
