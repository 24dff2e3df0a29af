import useAsync from 'react-use/esm/useAsync';
import { useApi } from '@backstage/core-plugin-api';
import Alert from '@mui/material/Alert';
import Skeleton from '@mui/material/Skeleton';
import Typography from '@mui/material/Typography';
import { ChangeRequest } from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../../api';
import { SpecDiff } from './SpecDiff';

/**
 * What approving a request changes: a clear warning for a delete, the
 * requested spec for a create, and for an update the resource's current spec
 * against the requested one (with a word when the resource has moved on
 * since the request, so approving it would fail).
 */
export const WhatChanges = (props: { request: ChangeRequest }) => {
  const { request } = props;
  const api = useApi(platformApiRef);
  const resourceId =
    request.operation === 'update' ? request.resource.id : undefined;
  const current = useAsync(
    async () => (resourceId ? api.getResource(resourceId) : undefined),
    [api, resourceId, request.status],
  );
  if (request.operation === 'delete') {
    return (
      <Alert severity="error" role="note" aria-label="Destructive change">
        Approving <strong>deletes {request.resource.name}</strong> in{' '}
        <strong>{request.resource.environment}</strong>: the engine removes the{' '}
        {request.resource.capability} instance and everything in it. This cannot
        be undone.
      </Alert>
    );
  }
  if (request.operation === 'create') {
    const create = request.change.request;
    return (
      <>
        <Typography variant="body2" sx={{ mb: 1 }}>
          A new {request.resource.capability} resource, created as requested:
        </Typography>
        <SpecDiff
          before={{}}
          after={create?.spec ?? request.change.spec ?? {}}
        />
      </>
    );
  }
  if (current.loading) return <Skeleton variant="rectangular" height={96} />;
  return (
    <>
      {current.error && (
        <Alert severity="warning" sx={{ mb: 2 }}>
          The current spec could not be loaded ({current.error.message}); only
          the requested one is shown.
        </Alert>
      )}
      {request.baseGeneration !== undefined && (
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          Requested against generation {request.baseGeneration}
          {current.value && current.value.generation !== request.baseGeneration
            ? `; the resource is at generation ${current.value.generation} now, so approving it will fail`
            : ''}
          .
        </Typography>
      )}
      <SpecDiff before={current.value?.spec} after={request.change.spec} />
    </>
  );
};
