import { useMemo } from 'react';
import { Link as RouterLink, useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { ResponseErrorPanel } from '@backstage/core-components';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Grid from '@mui/material/Grid';
import Link from '@mui/material/Link';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Skeleton from '@mui/material/Skeleton';
import Typography from '@mui/material/Typography';
import {
  Capability,
  FleetSummary,
} from '@trellis/backstage-plugin-platform-common';
import { usePageTitle } from '../../hooks/usePageTitle';
import { platformApiRef } from '../../api';
import { catalogRouteRef } from '../../routes';
import { AvailabilityChip, RequestButton } from '../CatalogPage';
import { SchemaDocs } from '../schema/SchemaDocs';
import { BackLink } from '../shared/BackLink';
import { EntityLink } from '../shared/EntityLink';
import { NotLoaded } from '../shared/NotLoaded';
import { PageHeader } from '../shared/PageHeader';
import { ResourceTable } from '../shared/ResourceTable';
import { Section } from '../shared/Section';
import { TableScroll } from '../shared/TableScroll';
import { formatInstances, formatTotal } from '../shared/format';
import { useInventoryLink } from '../shared/links';
import { providerTitle } from '../shared/providers';

const INSTANCE_PREVIEW = 10;

function versionCounts(fleet: FleetSummary | undefined, ref: string) {
  const counts = new Map<string, number>();
  for (const item of fleet?.items ?? []) {
    if (item.capabilityRef !== ref || item.phase === 'Deleted') continue;
    const version = item.version ?? 'unknown';
    counts.set(version, (counts.get(version) ?? 0) + item.count);
  }
  return counts;
}

const Versions = (props: {
  capability: Capability;
  counts: Map<string, number> | undefined;
}) => {
  const { capability, counts } = props;
  const versions = [...capability.versions].reverse();
  return (
    <List dense disablePadding aria-label="Versions">
      {versions.map(version => (
        <ListItem key={version} disableGutters>
          <ListItemText
            primary={
              <>
                {version}{' '}
                {version === capability.version && (
                  <Chip size="small" color="primary" label="current" />
                )}
              </>
            }
            secondary={
              counts ? formatInstances(counts.get(version) ?? 0) : undefined
            }
          />
        </ListItem>
      ))}
      {counts?.has('unknown') && (
        <ListItem disableGutters>
          <ListItemText
            primary="Version not reported"
            secondary={formatInstances(counts.get('unknown')!)}
          />
        </ListItem>
      )}
    </List>
  );
};

/**
 * One capability: its input schema as documentation, versions, instances
 * and the team that offers it.
 */
export const CapabilityPage = () => {
  const { ref = '' } = useParams();
  const api = useApi(platformApiRef);
  const catalogLink = useRouteRef(catalogRouteRef);
  const inventoryLink = useInventoryLink();

  const capability = useAsync(() => api.getCapability(ref), [api, ref]);
  usePageTitle(capability.value?.title ?? ref, 'Service catalog', 'Platform');
  const instances = useAsync(
    () =>
      api.listResources({
        capabilityRef: [ref],
        limit: INSTANCE_PREVIEW,
        orderBy: 'updatedAt',
        order: 'desc',
      }),
    [api, ref],
  );
  const fleet = useAsync(() => api.getFleetSummary(), [api]);
  const counts = useMemo(
    () => (fleet.value ? versionCounts(fleet.value, ref) : undefined),
    [fleet.value, ref],
  );

  const back = <BackLink to={catalogLink()}>Service catalog</BackLink>;
  // Progress also while another capability loads in place of the one shown.
  if (capability.loading || !capability.value) {
    return (
      <NotLoaded
        loading={capability.loading}
        error={capability.error}
        what="capability"
        notFound={{
          title: 'Capability not found',
          description: `The platform offers no capability ${ref}. It may have been removed, or the link is mistyped.`,
        }}
        back={back}
      />
    );
  }

  const value = capability.value;
  const userAuthProvider =
    value.userAuth && providerTitle(value.userAuth.provider);
  let instanceBody;
  if (instances.loading) {
    instanceBody = <Skeleton variant="rectangular" height={96} />;
  } else if (instances.error) {
    instanceBody = (
      <ResponseErrorPanel
        error={instances.error}
        title="Could not load the instances"
      />
    );
  } else if (!instances.value || instances.value.totalCount === 0) {
    instanceBody = (
      <Typography color="text.secondary">
        Nobody has requested {value.title} yet. The Request button opens its
        golden path.
      </Typography>
    );
  } else {
    instanceBody = (
      <>
        <ResourceTable
          label={`Instances of ${value.title}`}
          resources={instances.value.items}
          columns={[
            'name',
            'phase',
            'environment',
            'owner',
            'component',
            'version',
            'updatedAt',
          ]}
        />
        <Box sx={{ mt: 1 }}>
          <Link
            component={RouterLink}
            to={inventoryLink({ capability: value.ref })}
          >
            All {formatTotal(instances.value)} instances in the inventory
          </Link>
        </Box>
      </>
    );
  }

  return (
    <>
      {back}
      <PageHeader>
        <Typography variant="h4" component="h2">
          {value.title}
        </Typography>
        <AvailabilityChip capability={value} />
        <Box sx={{ flexGrow: 1 }} />
        <RequestButton capability={value} />
      </PageHeader>
      <Typography color="text.secondary" sx={{ mb: 3 }}>
        {value.description ?? 'No description.'}
        {!value.available && value.availabilityMessage
          ? ` — ${value.availabilityMessage}`
          : ''}
      </Typography>
      {userAuthProvider && (
        <Alert severity="info" sx={{ mb: 3 }}>
          Changes to these instances are made with your own {userAuthProvider}{' '}
          identity, so the cluster's RBAC applies to you: the portal asks you to
          sign in with {userAuthProvider} when it needs to.
        </Alert>
      )}
      <Grid container spacing={3}>
        <Grid item xs={12} lg={8}>
          <Section title="Inputs">
            <TableScroll label="Inputs">
              <SchemaDocs schema={value.inputSchema} />
            </TableScroll>
          </Section>
        </Grid>
        <Grid item xs={12} lg={4}>
          <Box sx={{ display: 'flex', flexDirection: 'column', gap: 3 }}>
            <Section title="About">
              <List dense disablePadding>
                <ListItem disableGutters>
                  <ListItemText
                    primary="Owner"
                    secondary={
                      value.owner ? (
                        <EntityLink
                          entityRef={value.owner}
                          defaultKind="group"
                        />
                      ) : (
                        'Not set'
                      )
                    }
                    secondaryTypographyProps={{ component: 'span' }}
                  />
                </ListItem>
                <ListItem disableGutters>
                  <ListItemText primary="Reference" secondary={value.ref} />
                </ListItem>
                <ListItem disableGutters>
                  <ListItemText primary="Engine" secondary={value.engine} />
                </ListItem>
                {value.instanceKind && (
                  <ListItem disableGutters>
                    <ListItemText
                      primary="Instance type"
                      secondary={`${value.instanceApiVersion ?? ''} ${
                        value.instanceKind
                      }`.trim()}
                    />
                  </ListItem>
                )}
              </List>
              {value.tags.length > 0 && (
                <Box
                  sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5, mt: 1 }}
                >
                  {value.tags.map(tag => (
                    <Chip key={tag} size="small" label={tag} />
                  ))}
                </Box>
              )}
              {value.links.length > 0 && (
                <List dense disablePadding aria-label="Links">
                  {value.links.map(link => (
                    <ListItem key={link.url} disableGutters>
                      <Link href={link.url} target="_blank" rel="noopener">
                        {link.title}
                      </Link>
                    </ListItem>
                  ))}
                </List>
              )}
            </Section>
            <Section title="Versions">
              <Versions capability={value} counts={counts} />
            </Section>
          </Box>
        </Grid>
        <Grid item xs={12}>
          <Section title="Instances">{instanceBody}</Section>
        </Grid>
      </Grid>
    </>
  );
};
