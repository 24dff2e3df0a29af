import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import {
  JsonObject,
  JsonValue,
} from '@trellis/backstage-plugin-platform-common';
import {
  KubeObject,
  objectKey,
  qualifiedResource,
  ResourceType,
} from '../cluster/types';
import { applyMergePatch } from '../objects/mergePatch';
import { LabelSelector, parseSelector } from './fakeLabelSelector';
import {
  sendInvalid,
  sendJson,
  sendNotFound,
  sendStatus,
} from './fakeResponses';
import { validateSpec } from './fakeSchemaValidation';

/** A served type; with `schema` (an `openAPIV3Schema`), writes are validated like a CRD's. */
export interface FakeResourceType extends ResourceType {
  schema?: JsonObject;
}

type Verb = 'get' | 'list' | 'watch' | 'create' | 'patch' | 'delete';
type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface HistoryEvent {
  resourceVersion: number;
  typeKey: string;
  type: EventType;
  object: KubeObject;
  previous?: KubeObject;
}

interface OpenWatch {
  typeKey: string;
  namespace?: string;
  selector: LabelSelector;
  bookmarks: boolean;
  response: http.ServerResponse;
}

/** One request the server answered, for asserting how the engine talks to it. */
export interface RecordedRequest {
  method: string;
  path: string;
  verb: Verb;
  plural: string;
  /** Whom the bearer token authenticated; undefined when it was rejected (401). */
  user?: string;
}

/** The user name the engine's own token authenticates as. */
export const SERVICE_ACCOUNT_USER =
  'system:serviceaccount:trellis:trellis-engine';

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

function typeKeyOf(group: string, version: string, plural: string) {
  return `${group}/${version}/${plural}`;
}

/**
 * An in-process HTTP server that behaves like the Kubernetes API server for
 * custom resources, for tests only: list (label selectors, pagination),
 * watch (from a resourceVersion, bookmarks, 410 Gone after compaction,
 * label-filtered ADDED/DELETED), get, create, JSON merge patch (with
 * resourceVersion preconditions and 409 Conflict), delete (finalizers,
 * uid preconditions), schema validation (422), 401 and 403. It knows the
 * engine's token and users' tokens (`addUser`), records who made each
 * request, and forbids verbs to everyone or to one user, as RBAC would.
 * Tests play the controllers through `put` and `setStatus`, and break things
 * on purpose.
 */
export class FakeKubeApiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly server: http.Server;
  private readonly types = new Map<string, FakeResourceType>();
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: HistoryEvent[] = [];
  private readonly watches = new Set<OpenWatch>();
  /** `<user> <verb> <plural>`, or `* <verb> <plural>` for everyone. */
  private readonly denied = new Set<string>();
  /** Bearer tokens of users other than the engine → their user names. */
  private readonly users = new Map<string, string>();
  /** Tokens of removed users, rejected from then on. */
  private readonly revokedTokens = new Set<string>();
  private readonly interceptors: Array<{
    verb: Verb;
    plural: string;
    action: () => void;
  }> = [];
  /** When set, the only namespaces that exist; creating elsewhere answers 404. */
  private namespaces?: Set<string>;
  private resourceVersion = 1;
  private compactedAt = 0;
  private token?: string;

  static async start(options: { token?: string } = {}) {
    const fake = new FakeKubeApiServer(options.token);
    await new Promise<void>(resolve =>
      fake.server.listen(0, '127.0.0.1', resolve),
    );
    return fake;
  }

  private constructor(token?: string) {
    this.token = token;
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', chunk => chunks.push(chunk));
      request.on('end', () => {
        try {
          this.handle(request, response, Buffer.concat(chunks).toString());
        } catch (error) {
          sendStatus(response, 500, 'InternalError', String(error));
        }
      });
    });
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close() {
    for (const watch of this.watches) {
      watch.response.destroy();
    }
    this.watches.clear();
    this.server.closeAllConnections();
    await new Promise(resolve => this.server.close(resolve));
  }

  // --- what the cluster serves ----------------------------------------------

  addType(type: FakeResourceType) {
    const key = typeKeyOf(type.group, type.version, type.plural);
    this.types.set(key, type);
    if (!this.objects.has(key)) {
      this.objects.set(key, new Map());
    }
  }

  /** Removes a CRD: its objects are deleted (and watchers told), its watches end, then it answers 404. */
  removeType(type: ResourceType) {
    const key = typeKeyOf(type.group, type.version, type.plural);
    for (const object of [...(this.objects.get(key)?.values() ?? [])]) {
      this.remove(key, object);
    }
    for (const watch of [...this.watches]) {
      if (watch.typeKey === key) {
        watch.response.end();
        this.watches.delete(watch);
      }
    }
    this.types.delete(key);
    this.objects.delete(key);
  }

  // --- playing the controllers ----------------------------------------------

  /** Creates or replaces an object as a controller would, bypassing validation. */
  put(type: ResourceType, object: KubeObject): KubeObject {
    const key = typeKeyOf(type.group, type.version, type.plural);
    const store = this.store(key);
    const existing = store.get(objectKey(object.metadata));
    const next = clone(object);
    next.apiVersion = `${type.group}/${type.version}`;
    next.kind = type.kind;
    next.metadata.uid =
      existing?.metadata.uid ?? next.metadata.uid ?? randomUUID();
    next.metadata.creationTimestamp =
      existing?.metadata.creationTimestamp ??
      next.metadata.creationTimestamp ??
      new Date().toISOString();
    next.metadata.generation =
      existing && !isDeepStrictEqual(existing.spec, next.spec)
        ? (existing.metadata.generation ?? 1) + 1
        : existing?.metadata.generation ?? next.metadata.generation ?? 1;
    this.write(key, next, existing);
    return clone(next);
  }

  /** Changes an object as another writer would (a controller, kubectl), bypassing validation. */
  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    change: (object: KubeObject) => KubeObject,
  ): KubeObject {
    const key = typeKeyOf(type.group, type.version, type.plural);
    return this.put(type, change(clone(this.object(key, namespace, name))));
  }

  /** Writes an object's status, as its controller does. */
  setStatus(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    status: JsonObject,
  ): KubeObject {
    const key = typeKeyOf(type.group, type.version, type.plural);
    const existing = this.object(key, namespace, name);
    const next = { ...clone(existing), status: clone(status) };
    this.write(key, next, existing);
    return clone(next);
  }

  /** Changes an object's labels, as a user with kubectl would. */
  setLabels(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    labels: Record<string, string>,
  ): KubeObject {
    const key = typeKeyOf(type.group, type.version, type.plural);
    const existing = this.object(key, namespace, name);
    const next = clone(existing);
    next.metadata.labels = labels;
    this.write(key, next, existing);
    return clone(next);
  }

  /** Removes the finalizers, as the controller does when its cleanup is done. */
  finalize(type: ResourceType, namespace: string | undefined, name: string) {
    const key = typeKeyOf(type.group, type.version, type.plural);
    const existing = this.object(key, namespace, name);
    if (existing.metadata.deletionTimestamp) {
      this.remove(key, existing);
    } else {
      const next = clone(existing);
      delete next.metadata.finalizers;
      this.write(key, next, existing);
    }
  }

  get(type: ResourceType, namespace: string | undefined, name: string) {
    const key = typeKeyOf(type.group, type.version, type.plural);
    const found = this.objects.get(key)?.get(objectKey({ namespace, name }));
    return found ? clone(found) : undefined;
  }

  list(type: ResourceType): KubeObject[] {
    const key = typeKeyOf(type.group, type.version, type.plural);
    return [...(this.objects.get(key)?.values() ?? [])].map(clone);
  }

  // --- breaking things ------------------------------------------------------

  /** Cuts every open watch connection, as a load balancer or restart would. */
  dropWatches() {
    for (const watch of this.watches) {
      watch.response.socket?.destroy();
    }
    this.watches.clear();
  }

  /** Forgets the event history: watches from an older resourceVersion get 410 Gone. */
  compact() {
    this.compactedAt = this.resourceVersion;
    this.history.length = 0;
  }

  /** Sends a bookmark with the current resourceVersion on every watch that asked for them. */
  sendBookmarks() {
    for (const watch of this.watches) {
      if (watch.bookmarks) {
        this.writeEvent(watch.response, 'BOOKMARK', {
          kind: this.types.get(watch.typeKey)?.kind,
          apiVersion: watch.typeKey.split('/').slice(0, 2).join('/'),
          metadata: { resourceVersion: String(this.resourceVersion) },
        });
      }
    }
  }

  /** Answers 403 to `verb` on `plural` from now on, for `user` only when given. */
  deny(verb: Verb, plural: string, user?: string) {
    this.denied.add(`${user ?? '*'} ${verb} ${plural}`);
  }

  /** Runs `action` right before the next `verb` request on `plural` is handled, e.g. to race it with another writer. */
  beforeNext(verb: Verb, plural: string, action: () => void) {
    this.interceptors.push({ verb, plural, action });
  }

  /** From now on only these namespaces exist. */
  setNamespaces(namespaces: string[]) {
    this.namespaces = new Set(namespaces);
  }

  /** Lifts a `deny` (of the same user, or of everyone). */
  allow(verb: Verb, plural: string, user?: string) {
    this.denied.delete(`${user ?? '*'} ${verb} ${plural}`);
  }

  /**
   * Requires this bearer token for the engine's service account from now on:
   * requests with any other token that is not a user's answer 401.
   */
  requireToken(token: string) {
    this.token = token;
  }

  /** Accepts `token` from now on as the bearer token of `username`. */
  addUser(token: string, username: string) {
    this.users.set(token, username);
    this.revokedTokens.delete(token);
  }

  /** Stops accepting a user's token, as when it expires: 401 from then on. */
  removeUser(token: string) {
    this.users.delete(token);
    this.revokedTokens.add(token);
  }

  /** The requests `user` made, e.g. `SERVICE_ACCOUNT_USER`. */
  requestsBy(user: string): RecordedRequest[] {
    return this.requests.filter(request => request.user === user);
  }

  /** How many open watches there are, to wait for a watcher to reconnect. */
  get openWatchCount(): number {
    return this.watches.size;
  }

  // --- the HTTP API ---------------------------------------------------------

  private handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    body: string,
  ) {
    const url = new URL(request.url ?? '/', 'http://fake');
    const segments = url.pathname.split('/').filter(Boolean);
    if (segments[0] !== 'apis' || segments.length < 4) {
      sendStatus(
        response,
        404,
        'NotFound',
        'the server could not find the requested resource',
      );
      return;
    }
    const [, group, version] = segments;
    let namespace: string | undefined;
    let rest = segments.slice(3);
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [plural, name] = rest;
    const method = request.method ?? 'GET';
    const watch = url.searchParams.get('watch') === 'true';
    let verb: Verb;
    if (method === 'GET') {
      if (name) verb = 'get';
      else verb = watch ? 'watch' : 'list';
    } else if (method === 'POST') verb = 'create';
    else if (method === 'PATCH') verb = 'patch';
    else verb = 'delete';
    const user = this.authenticate(request.headers.authorization);
    this.requests.push({ method, path: url.pathname, verb, plural, user });

    if (!user) {
      sendStatus(response, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    const resource = `${plural}.${group}`;
    if (
      this.denied.has(`* ${verb} ${plural}`) ||
      this.denied.has(`${user} ${verb} ${plural}`)
    ) {
      sendStatus(
        response,
        403,
        'Forbidden',
        `${resource}${
          name ? ` "${name}"` : ''
        } is forbidden: User "${user}" cannot ${verb} resource "${plural}" in API group "${group}" ${
          namespace ? `in the namespace "${namespace}"` : 'at the cluster scope'
        }`,
      );
      return;
    }
    const interceptor = this.interceptors.findIndex(
      i => i.verb === verb && i.plural === plural,
    );
    if (interceptor >= 0) {
      this.interceptors.splice(interceptor, 1)[0].action();
    }
    const typeKey = typeKeyOf(group, version, plural);
    const type = this.types.get(typeKey);
    if (!type) {
      sendStatus(
        response,
        404,
        'NotFound',
        'the server could not find the requested resource',
      );
      return;
    }
    switch (verb) {
      case 'list':
        this.handleList(response, typeKey, namespace, url.searchParams);
        return;
      case 'watch':
        this.handleWatch(response, typeKey, namespace, url.searchParams);
        return;
      case 'get':
        this.handleGet(response, type, typeKey, namespace, name);
        return;
      case 'create':
        this.handleCreate(response, type, typeKey, namespace, JSON.parse(body));
        return;
      case 'patch':
        if (
          request.headers['content-type'] !== 'application/merge-patch+json'
        ) {
          sendStatus(
            response,
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json`,
          );
          return;
        }
        this.handlePatch(
          response,
          type,
          typeKey,
          namespace,
          name,
          JSON.parse(body),
        );
        return;
      default:
        this.handleDelete(
          response,
          type,
          typeKey,
          namespace,
          name,
          body ? JSON.parse(body) : {},
        );
    }
  }

  /**
   * The user a request's bearer token belongs to, or undefined (401). Without
   * `requireToken`, any token that is not a user's is the engine's.
   */
  private authenticate(authorization: string | undefined) {
    const token = authorization?.startsWith('Bearer ')
      ? authorization.slice('Bearer '.length)
      : undefined;
    const user = token === undefined ? undefined : this.users.get(token);
    if (user) {
      return user;
    }
    if (
      (token !== undefined && this.revokedTokens.has(token)) ||
      (this.token && token !== this.token)
    ) {
      return undefined;
    }
    return SERVICE_ACCOUNT_USER;
  }

  private handleList(
    response: http.ServerResponse,
    typeKey: string,
    namespace: string | undefined,
    query: URLSearchParams,
  ) {
    const type = this.types.get(typeKey)!;
    const selector = parseSelector(query.get('labelSelector'));
    const all = [...this.store(typeKey).values()]
      .filter(o => !namespace || o.metadata.namespace === namespace)
      .filter(o => selector(o.metadata.labels ?? {}))
      .sort((a, b) =>
        objectKey(a.metadata).localeCompare(objectKey(b.metadata)),
      );
    const limit = Number(query.get('limit')) || all.length;
    const token = query.get('continue');
    const { offset, resourceVersion } = token
      ? JSON.parse(Buffer.from(token, 'base64').toString())
      : { offset: 0, resourceVersion: this.resourceVersion };
    const items = all.slice(offset, offset + limit);
    const more = offset + limit < all.length;
    sendJson(response, 200, {
      apiVersion: `${type.group}/${type.version}`,
      kind: `${type.kind}List`,
      metadata: {
        resourceVersion: String(resourceVersion),
        continue: more
          ? Buffer.from(
              JSON.stringify({ offset: offset + limit, resourceVersion }),
            ).toString('base64')
          : undefined,
      },
      items,
    });
  }

  private handleWatch(
    response: http.ServerResponse,
    typeKey: string,
    namespace: string | undefined,
    query: URLSearchParams,
  ) {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    // The API server sends the headers at once, before any event.
    response.flushHeaders();
    const from = Number(query.get('resourceVersion') || this.resourceVersion);
    if (from < this.compactedAt) {
      this.writeEvent(response, 'ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${from} (${this.compactedAt})`,
        reason: 'Expired',
        code: 410,
      });
      response.end();
      return;
    }
    const watch: OpenWatch = {
      typeKey,
      namespace,
      selector: parseSelector(query.get('labelSelector')),
      bookmarks: query.get('allowWatchBookmarks') === 'true',
      response,
    };
    for (const event of this.history) {
      if (event.resourceVersion > from) {
        this.deliver(watch, event);
      }
    }
    this.watches.add(watch);
    const timeoutSeconds = Number(query.get('timeoutSeconds'));
    const timer = timeoutSeconds
      ? setTimeout(() => response.end(), timeoutSeconds * 1000)
      : undefined;
    timer?.unref();
    response.on('close', () => {
      clearTimeout(timer);
      this.watches.delete(watch);
    });
  }

  private handleGet(
    response: http.ServerResponse,
    type: FakeResourceType,
    typeKey: string,
    namespace: string | undefined,
    name: string,
  ) {
    const found = this.store(typeKey).get(objectKey({ namespace, name }));
    if (!found) {
      sendNotFound(response, type, name);
      return;
    }
    sendJson(response, 200, found);
  }

  private handleCreate(
    response: http.ServerResponse,
    type: FakeResourceType,
    typeKey: string,
    namespace: string | undefined,
    body: KubeObject,
  ) {
    const name = body.metadata?.name;
    const resource = qualifiedResource(type);
    if (!name) {
      sendStatus(
        response,
        422,
        'Invalid',
        `${type.kind}.${type.group} "" is invalid: metadata.name: Required value: name or generateName is required`,
      );
      return;
    }
    if (namespace && this.namespaces && !this.namespaces.has(namespace)) {
      sendStatus(
        response,
        404,
        'NotFound',
        `namespaces "${namespace}" not found`,
        {
          name: namespace,
          kind: 'namespaces',
        },
      );
      return;
    }
    if (this.store(typeKey).has(objectKey({ namespace, name }))) {
      sendStatus(
        response,
        409,
        'AlreadyExists',
        `${resource} "${name}" already exists`,
      );
      return;
    }
    const problems = validateSpec(type, body);
    if (problems.length) {
      sendInvalid(response, type, name, problems);
      return;
    }
    const object: KubeObject = {
      apiVersion: `${type.group}/${type.version}`,
      kind: type.kind,
      metadata: {
        ...body.metadata,
        name,
        namespace,
        uid: randomUUID(),
        creationTimestamp: new Date().toISOString(),
        generation: 1,
      },
      spec: body.spec,
    };
    this.write(typeKey, object, undefined);
    sendJson(response, 201, object);
  }

  private handlePatch(
    response: http.ServerResponse,
    type: FakeResourceType,
    typeKey: string,
    namespace: string | undefined,
    name: string,
    patch: JsonObject,
  ) {
    const existing = this.store(typeKey).get(objectKey({ namespace, name }));
    if (!existing) {
      sendNotFound(response, type, name);
      return;
    }
    const precondition = (patch.metadata as JsonObject | undefined)
      ?.resourceVersion;
    if (precondition && precondition !== existing.metadata.resourceVersion) {
      sendStatus(
        response,
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${qualifiedResource(
          type,
        )} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
      return;
    }
    const patched = applyMergePatch(
      existing as unknown as JsonValue,
      patch,
    ) as unknown as KubeObject;
    // The status subresource and the server-owned metadata are not patchable here.
    const next: KubeObject = {
      ...patched,
      status: existing.status,
      metadata: {
        ...patched.metadata,
        name: existing.metadata.name,
        namespace: existing.metadata.namespace,
        uid: existing.metadata.uid,
        creationTimestamp: existing.metadata.creationTimestamp,
        deletionTimestamp: existing.metadata.deletionTimestamp,
        generation: existing.metadata.generation,
        resourceVersion: existing.metadata.resourceVersion,
      },
    };
    if (next.status === undefined) delete next.status;
    if (next.metadata.deletionTimestamp === undefined)
      delete next.metadata.deletionTimestamp;
    const problems = validateSpec(type, next);
    if (problems.length) {
      sendInvalid(response, type, name, problems);
      return;
    }
    if (isDeepStrictEqual(next, existing)) {
      sendJson(response, 200, existing);
      return;
    }
    if (!isDeepStrictEqual(next.spec, existing.spec)) {
      next.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    }
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) {
      this.remove(typeKey, existing);
      sendJson(response, 200, existing);
      return;
    }
    this.write(typeKey, next, existing);
    sendJson(response, 200, next);
  }

  private handleDelete(
    response: http.ServerResponse,
    type: FakeResourceType,
    typeKey: string,
    namespace: string | undefined,
    name: string,
    options: { preconditions?: { uid?: string } },
  ) {
    const existing = this.store(typeKey).get(objectKey({ namespace, name }));
    if (!existing) {
      sendNotFound(response, type, name);
      return;
    }
    const uid = options.preconditions?.uid;
    if (uid && uid !== existing.metadata.uid) {
      sendStatus(
        response,
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${qualifiedResource(
          type,
        )} "${name}": Precondition failed: UID in precondition: ${uid}, UID in object meta: ${
          existing.metadata.uid
        }`,
      );
      return;
    }
    if (existing.metadata.finalizers?.length) {
      if (!existing.metadata.deletionTimestamp) {
        const next = clone(existing);
        next.metadata.deletionTimestamp = new Date().toISOString();
        this.write(typeKey, next, existing);
        sendJson(response, 200, next);
        return;
      }
      sendJson(response, 200, existing);
      return;
    }
    this.remove(typeKey, existing);
    sendJson(response, 200, existing);
  }

  // --- storage and events ---------------------------------------------------

  private store(typeKey: string): Map<string, KubeObject> {
    const store = this.objects.get(typeKey);
    if (!store) {
      throw new Error(`FakeKubeApiServer does not serve ${typeKey}`);
    }
    return store;
  }

  private object(typeKey: string, namespace: string | undefined, name: string) {
    const found = this.store(typeKey).get(objectKey({ namespace, name }));
    if (!found) {
      throw new Error(
        `FakeKubeApiServer has no ${typeKey} ${namespace}/${name}`,
      );
    }
    return found;
  }

  private write(typeKey: string, object: KubeObject, previous?: KubeObject) {
    this.resourceVersion += 1;
    object.metadata.resourceVersion = String(this.resourceVersion);
    this.store(typeKey).set(objectKey(object.metadata), object);
    this.record({
      resourceVersion: this.resourceVersion,
      typeKey,
      type: previous ? 'MODIFIED' : 'ADDED',
      object: clone(object),
      previous: previous && clone(previous),
    });
  }

  private remove(typeKey: string, object: KubeObject) {
    this.resourceVersion += 1;
    this.store(typeKey).delete(objectKey(object.metadata));
    const deleted = clone(object);
    deleted.metadata.resourceVersion = String(this.resourceVersion);
    this.record({
      resourceVersion: this.resourceVersion,
      typeKey,
      type: 'DELETED',
      object: deleted,
    });
  }

  private record(event: HistoryEvent) {
    this.history.push(event);
    for (const watch of this.watches) {
      this.deliver(watch, event);
    }
  }

  /** Sends an event to a watch as its filters see it: an object leaving a label selection is DELETED for it. */
  private deliver(watch: OpenWatch, event: HistoryEvent) {
    if (watch.typeKey !== event.typeKey) return;
    if (watch.namespace && watch.namespace !== event.object.metadata.namespace)
      return;
    const now = watch.selector(event.object.metadata.labels ?? {});
    const before =
      event.previous !== undefined &&
      watch.selector(event.previous.metadata.labels ?? {});
    let type: EventType | undefined = event.type;
    if (event.type === 'MODIFIED') {
      if (now && !before) type = 'ADDED';
      else if (!now && before) type = 'DELETED';
      else if (!now) type = undefined;
    } else if (!now) {
      type = undefined;
    }
    if (type) {
      this.writeEvent(watch.response, type, event.object);
    }
  }

  private writeEvent(
    response: http.ServerResponse,
    type: string,
    object: unknown,
  ) {
    if (!response.writableEnded && !response.destroyed) {
      response.write(`${JSON.stringify({ type, object })}\n`);
    }
  }
}
