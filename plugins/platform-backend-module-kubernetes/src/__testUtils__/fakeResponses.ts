import http from 'node:http';
import { JsonObject } from '@trellis/backstage-plugin-platform-common';
import { qualifiedResource } from '../cluster/types';
import type { FakeResourceType } from './FakeKubeApiServer';

// The API server's answers: JSON bodies and its Status objects for errors.

export function sendInvalid(
  response: http.ServerResponse,
  type: FakeResourceType,
  name: string,
  problems: string[],
) {
  const list = problems.length === 1 ? problems[0] : `[${problems.join(', ')}]`;
  sendStatus(
    response,
    422,
    'Invalid',
    `${type.kind}.${type.group} "${name}" is invalid: ${list}`,
  );
}

export function sendNotFound(
  response: http.ServerResponse,
  type: FakeResourceType,
  name: string,
) {
  sendStatus(
    response,
    404,
    'NotFound',
    `${qualifiedResource(type)} "${name}" not found`,
  );
}

export function sendStatus(
  response: http.ServerResponse,
  code: number,
  reason: string,
  message: string,
  details?: JsonObject,
) {
  sendJson(response, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details,
    code,
  });
}

export function sendJson(
  response: http.ServerResponse,
  code: number,
  body: unknown,
) {
  response.writeHead(code, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}
