import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { TaskSpec } from '@backstage/plugin-scaffolder-common';
import { JsonObject } from '@backstage/types';

/** A task as `GET /v2/tasks` and `GET /v2/tasks/{id}` answer it. */
export interface ScaffolderTask {
  id: string;
  spec: TaskSpec;
  status: string;
  createdAt: string;
  lastHeartbeatAt?: string;
  createdBy?: string;
}

/** One entry of `GET /v2/tasks/{id}/events` (since the last recovery). */
export interface ScaffolderTaskEvent {
  id: number;
  taskId: string;
  type: string;
  body: JsonObject;
  createdAt: string;
}

/**
 * The scaffolder's task API, called with the devex plugin's own service
 * credentials, so it works whether or not the scaffolder runs in the same
 * backend.
 */
export class ScaffolderTasksClient {
  constructor(
    private readonly deps: {
      discovery: DiscoveryService;
      auth: AuthService;
      fetch?: typeof fetch;
    },
  ) {}

  /** A page of tasks, newest first. */
  async listTasks(page: {
    limit: number;
    offset: number;
  }): Promise<{ tasks: ScaffolderTask[]; totalTasks?: number }> {
    const query = new URLSearchParams({
      order: 'desc:created_at',
      limit: String(page.limit),
      offset: String(page.offset),
    });
    return this.get(`/v2/tasks?${query}`);
  }

  async getTask(taskId: string): Promise<ScaffolderTask> {
    return this.get(`/v2/tasks/${encodeURIComponent(taskId)}`);
  }

  async listEvents(taskId: string): Promise<ScaffolderTaskEvent[]> {
    return this.get(`/v2/tasks/${encodeURIComponent(taskId)}/events`);
  }

  private async get<T>(path: string): Promise<T> {
    const { auth, discovery } = this.deps;
    const baseUrl = await discovery.getBaseUrl('scaffolder');
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'scaffolder',
    });
    const response = await (this.deps.fetch ?? fetch)(`${baseUrl}${path}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as T;
  }
}
