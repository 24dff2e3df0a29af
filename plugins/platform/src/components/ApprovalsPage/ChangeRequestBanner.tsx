import { Link as RouterLink } from 'react-router-dom';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import {
  CHANGE_REQUEST_SIGNAL_CHANNEL,
  ChangeRequest,
} from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../../api';
import { useRefreshable } from '../../hooks/useRefreshable';
import { useSignalChannels } from '../../hooks/useSignalChannels';
import { changeRequestRouteRef } from '../../routes';
import { expiresText, requestSummary } from './approvals';

/**
 * The change requests waiting for approval on a resource, as banners on its
 * page ("Delete requested by trellis-agent via MCP agent, waiting for
 * approval — expires in 2 days"), each linking to its request. Follows the
 * `platform:approvals` channel, so a decision elsewhere clears it.
 */
export const ChangeRequestBanner = (props: {
  resourceId: string;
  /** Called when the pending requests change (one was decided). */
  onChange?: () => void;
}) => {
  const { resourceId, onChange } = props;
  const api = useApi(platformApiRef);
  const requestLink = useRouteRef(changeRequestRouteRef);
  const pending = useRefreshable(
    () => api.listChangeRequests({ resourceId, status: ['pending'] }),
    [api, resourceId],
    resourceId,
  );
  useSignalChannels([CHANGE_REQUEST_SIGNAL_CHANNEL], () => {
    pending.refresh();
    onChange?.();
  });
  const items: ChangeRequest[] = pending.value?.items ?? [];
  if (items.length === 0) return null;
  return (
    <Box sx={{ mb: 2, display: 'flex', flexDirection: 'column', gap: 1 }}>
      {items.map(item => {
        const expires = expiresText(item);
        return (
          <Alert
            key={item.id}
            severity="info"
            role="status"
            aria-label="Waiting for approval"
            action={
              <Button
                color="inherit"
                size="small"
                component={RouterLink}
                to={requestLink({ id: item.id })}
              >
                Change request {item.id}
              </Button>
            }
          >
            {requestSummary(item)}, waiting for approval
            {expires ? ` — expires ${expires}` : ''}.
          </Alert>
        );
      })}
    </Box>
  );
};
