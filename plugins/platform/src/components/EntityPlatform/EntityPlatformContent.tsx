import { Link as RouterLink } from 'react-router-dom';
import { useRouteRef } from '@backstage/core-plugin-api';
import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import CardHeader from '@mui/material/CardHeader';
import Link from '@mui/material/Link';
import { catalogRouteRef } from '../../routes';
import { LiveStatusNote } from '../shared/LiveStatusNote';
import { PhaseAnnouncer } from '../shared/PhaseAnnouncer';
import { ResourceTable } from '../shared/ResourceTable';
import { formatTotal } from '../shared/format';
import { useInventoryLink } from '../shared/links';
import { useEntityResources } from './useEntityResources';

/** The "Platform" tab of a component: its resources with live status. */
export const EntityPlatformContent = () => {
  const { entityRef, page, titles, live } = useEntityResources();
  const catalogLink = useRouteRef(catalogRouteRef);
  const inventoryLink = useInventoryLink();

  const request = (
    <Button variant="contained" component={RouterLink} to={catalogLink()}>
      Request a resource
    </Button>
  );

  let body;
  if (!page.value) {
    body = page.loading ? (
      <Progress />
    ) : (
      <ResponseErrorPanel
        error={page.error ?? new Error('No resources')}
        title="Could not load the platform resources"
      />
    );
  } else if (page.value.totalCount === 0) {
    body = (
      <EmptyState
        missing="data"
        title="No platform resources yet"
        description="Databases, queues, buckets and the like that this component uses show up here once they are requested for it from the service catalog."
        action={request}
      />
    );
  } else {
    body = (
      <>
        <ResourceTable
          label="Platform resources"
          resources={page.value.items}
          capabilityTitles={titles}
          columns={[
            'name',
            'capability',
            'phase',
            'environment',
            'version',
            'updatedAt',
          ]}
        />
        {page.value.totalCount > page.value.items.length && (
          <Box sx={{ mt: 1 }}>
            <Link
              component={RouterLink}
              to={inventoryLink({ component: entityRef })}
            >
              All {formatTotal(page.value)} resources in the inventory
            </Link>
          </Box>
        )}
      </>
    );
  }

  return (
    <Card
      variant="outlined"
      component="section"
      aria-label="Platform resources"
    >
      <CardHeader
        title="Platform resources"
        titleTypographyProps={{ variant: 'h6', component: 'h2' }}
        action={
          <Box
            sx={{
              display: 'flex',
              alignItems: 'center',
              gap: 2,
              flexWrap: 'wrap',
            }}
          >
            <LiveStatusNote live={live} onRefresh={page.retry} />
            {page.value && page.value.totalCount > 0 && request}
          </Box>
        }
      />
      <CardContent>
        {body}
        <PhaseAnnouncer resources={page.value?.items} />
      </CardContent>
    </Card>
  );
};
