import { Link as RouterLink } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import Box from '@mui/material/Box';
import Link from '@mui/material/Link';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Skeleton from '@mui/material/Skeleton';
import Typography from '@mui/material/Typography';
import { resourceSignalChannel } from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../../api';
import { useKeptAsync } from '../../hooks/useKeptAsync';
import { useSignalChannels } from '../../hooks/useSignalChannels';
import { LiveStatusNote } from '../shared/LiveStatusNote';
import { PhaseAnnouncer } from '../shared/PhaseAnnouncer';
import { PhaseChip } from '../shared/PhaseChip';
import { Truncate } from '../shared/TableScroll';
import { formatRelative, formatTotal } from '../shared/format';
import { useInventoryLink, useResourceLink } from '../shared/links';

const SHOWN = 8;

/**
 * The resources the signed-in user's teams own, most recently changed
 * first, with phases that follow the platform's pushed changes.
 */
export const YourResourcesCard = () => {
  const api = useApi(platformApiRef);
  const identityApi = useApi(identityApiRef);
  const resourceLink = useResourceLink();
  const inventoryLink = useInventoryLink();

  const identity = useAsync(
    () => identityApi.getBackstageIdentity(),
    [identityApi],
  );
  const owners = identity.value?.ownershipEntityRefs ?? [];
  const key = owners.join(',');
  const teams = owners.filter(ref => ref.startsWith('group:'));

  const page = useKeptAsync(
    async () =>
      owners.length
        ? api.listResources({
            owner: owners,
            limit: SHOWN,
            orderBy: 'updatedAt',
            order: 'desc',
          })
        : undefined,
    [api, key],
    key,
  );
  const live = useSignalChannels(
    (page.value?.items ?? []).map(r => resourceSignalChannel(r.id)),
    page.retry,
  );

  let body;
  if (identity.loading || (!page.value && page.loading)) {
    body = (
      <Skeleton
        variant="rectangular"
        height={120}
        aria-label="Loading your resources"
      />
    );
  } else if (!page.value) {
    body = (
      <Typography color="error" role="alert">
        Could not load your resources:{' '}
        {(page.error ?? identity.error)?.message ?? 'no identity'}
      </Typography>
    );
  } else if (page.value.items.length === 0) {
    body = (
      <Typography color="text.secondary">
        Your teams have no platform resources yet. Request one from the service
        catalog, or run a golden path.
      </Typography>
    );
  } else {
    body = (
      <List dense disablePadding aria-label="Your resources">
        {page.value.items.map(resource => (
          <ListItem
            key={resource.id}
            disableGutters
            divider
            secondaryAction={<PhaseChip phase={resource.status.phase} />}
            sx={{ pr: 16 }}
          >
            <ListItemText
              primary={
                <Truncate text={resource.name}>
                  <Link
                    underline="always"
                    component={RouterLink}
                    to={resourceLink(resource.id)}
                  >
                    {resource.name}
                  </Link>
                </Truncate>
              }
              secondary={`${resource.environment} · updated ${formatRelative(
                resource.updatedAt,
              )}`}
            />
          </ListItem>
        ))}
      </List>
    );
  }

  return (
    <Box>
      <Box
        sx={{
          display: 'flex',
          justifyContent: 'space-between',
          alignItems: 'center',
          flexWrap: 'wrap',
          gap: 1,
          mb: 1,
        }}
      >
        <Typography variant="body2" color="text.secondary">
          {page.value
            ? `${formatTotal(page.value)} owned by ${
                teams.length === 1 ? 'your team' : 'your teams'
              }`
            : 'Owned by your teams'}
        </Typography>
        <LiveStatusNote live={live} onRefresh={page.retry} />
      </Box>
      {body}
      <PhaseAnnouncer resources={page.value?.items} />
      {teams.length === 1 && (
        <Box sx={{ mt: 1 }}>
          <Link
            underline="always"
            component={RouterLink}
            to={inventoryLink({ owner: teams[0] })}
          >
            All of your team's resources
          </Link>
        </Box>
      )}
    </Box>
  );
};
