import { Link as RouterLink } from 'react-router-dom';
import { useRouteRef } from '@backstage/core-plugin-api';
import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import CardHeader from '@mui/material/CardHeader';
import Link from '@mui/material/Link';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Skeleton from '@mui/material/Skeleton';
import Typography from '@mui/material/Typography';
import { catalogRouteRef } from '../../routes';
import { LiveStatusNote } from '../shared/LiveStatusNote';
import { PhaseAnnouncer } from '../shared/PhaseAnnouncer';
import { PhaseChip } from '../shared/PhaseChip';
import { formatTotal } from '../shared/format';
import { useInventoryLink, useResourceLink } from '../shared/links';
import { useEntityResources } from './useEntityResources';

const CARD_LIMIT = 5;

/** A component's platform resources at a glance, with live status. */
export const EntityPlatformCard = () => {
  const { entityRef, page, titles, live } = useEntityResources();
  const resourceLink = useResourceLink();
  const inventoryLink = useInventoryLink();
  const catalogLink = useRouteRef(catalogRouteRef);

  let body;
  if (!page.value) {
    body = page.loading ? (
      <Skeleton
        variant="rectangular"
        height={72}
        aria-label="Loading platform resources"
      />
    ) : (
      <Typography color="error" role="alert">
        Could not load the platform resources: {page.error?.message}
      </Typography>
    );
  } else if (page.value.totalCount === 0) {
    body = (
      <Typography color="text.secondary">
        No platform resources yet.{' '}
        <Link component={RouterLink} to={catalogLink()}>
          Request one from the service catalog
        </Link>
        .
      </Typography>
    );
  } else {
    const shown = page.value.items.slice(0, CARD_LIMIT);
    body = (
      <>
        <List dense disablePadding aria-label="Platform resources">
          {shown.map(resource => (
            <ListItem
              key={resource.id}
              disableGutters
              secondaryAction={<PhaseChip phase={resource.status.phase} />}
            >
              <ListItemText
                primary={
                  <Link component={RouterLink} to={resourceLink(resource.id)}>
                    {resource.name}
                  </Link>
                }
                secondary={`${
                  titles.get(resource.capabilityRef) ?? resource.capabilityRef
                } · ${resource.environment}`}
              />
            </ListItem>
          ))}
        </List>
        {page.value.totalCount > shown.length && (
          <Box sx={{ mt: 1 }}>
            <Link
              component={RouterLink}
              to={inventoryLink({ component: entityRef })}
            >
              All {formatTotal(page.value)} resources
            </Link>
          </Box>
        )}
      </>
    );
  }

  return (
    <Card variant="outlined" component="section" aria-label="Platform">
      <CardHeader
        title="Platform"
        titleTypographyProps={{ variant: 'h6', component: 'h2' }}
        action={<LiveStatusNote live={live} onRefresh={page.retry} />}
      />
      <CardContent sx={{ pt: 0 }}>
        {body}
        <PhaseAnnouncer resources={page.value?.items} />
      </CardContent>
    </Card>
  );
};
