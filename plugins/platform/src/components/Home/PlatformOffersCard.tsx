import { Link as RouterLink } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import Box from '@mui/material/Box';
import Link from '@mui/material/Link';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Skeleton from '@mui/material/Skeleton';
import Typography from '@mui/material/Typography';
import { platformApiRef } from '../../api';
import { catalogRouteRef } from '../../routes';
import { AvailabilityChip, RequestButton } from '../CatalogPage/CapabilityCard';
import { useCapabilityLink } from '../shared/links';

/** What the platform offers, each with its golden path. */
export const PlatformOffersCard = () => {
  const api = useApi(platformApiRef);
  const catalogLink = useRouteRef(catalogRouteRef);
  const capabilityLink = useCapabilityLink();
  const capabilities = useAsync(() => api.listCapabilities(), [api]);

  if (capabilities.loading) {
    return (
      <Skeleton
        variant="rectangular"
        height={120}
        aria-label="Loading what the platform offers"
      />
    );
  }
  if (capabilities.error || !capabilities.value) {
    return (
      <Typography color="error" role="alert">
        Could not load the capabilities: {capabilities.error?.message}
      </Typography>
    );
  }
  const items = [...capabilities.value].sort((a, b) =>
    a.title.localeCompare(b.title),
  );
  return (
    <>
      <List dense disablePadding aria-label="What the platform offers">
        {items.map(capability => (
          <ListItem
            key={capability.ref}
            disableGutters
            divider
            sx={{ alignItems: 'flex-start', flexWrap: 'wrap', gap: 1 }}
          >
            <ListItemText
              sx={{ flex: '1 1 12rem', minWidth: 0 }}
              primary={
                <Box
                  component="span"
                  sx={{
                    display: 'inline-flex',
                    gap: 1,
                    alignItems: 'center',
                    flexWrap: 'wrap',
                  }}
                >
                  <Link
                    underline="always"
                    component={RouterLink}
                    to={capabilityLink(capability.ref)}
                  >
                    {capability.title}
                  </Link>
                  {!capability.available && (
                    <AvailabilityChip capability={capability} />
                  )}
                </Box>
              }
              secondary={capability.description}
            />
            <Box sx={{ pt: 0.5 }}>
              <RequestButton capability={capability} variant="outlined" />
            </Box>
          </ListItem>
        ))}
      </List>
      <Box sx={{ mt: 1 }}>
        <Link underline="always" component={RouterLink} to={catalogLink()}>
          The service catalog
        </Link>
      </Box>
    </>
  );
};
