import { Link as RouterLink } from 'react-router-dom';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardActions from '@mui/material/CardActions';
import CardContent from '@mui/material/CardContent';
import Chip from '@mui/material/Chip';
import Link from '@mui/material/Link';
import Typography from '@mui/material/Typography';
import CheckCircleOutlineIcon from '@mui/icons-material/CheckCircleOutline';
import BlockIcon from '@mui/icons-material/Block';
import { Capability } from '@trellis/backstage-plugin-platform-common';
import {
  useCapabilityLink,
  useInventoryLink,
  useRequestLink,
} from '../shared/links';
import { WithReason } from '../shared/WithReason';
import { formatInstances } from '../shared/format';

/** Whether a capability can be requested, with colour, icon and text. */
export const AvailabilityChip = (props: { capability: Capability }) =>
  props.capability.available ? (
    <Chip
      size="small"
      color="success"
      icon={<CheckCircleOutlineIcon />}
      label="Available"
    />
  ) : (
    <Chip
      size="small"
      color="warning"
      variant="outlined"
      icon={<BlockIcon />}
      label="Unavailable"
      title={props.capability.availabilityMessage}
    />
  );

/** The golden-path button of a capability; disabled with a reason when unavailable. */
export const RequestButton = (props: {
  capability: Capability;
  variant?: 'contained' | 'outlined';
}) => {
  const requestLink = useRequestLink();
  const { capability } = props;
  const reason = capability.available
    ? undefined
    : capability.availabilityMessage ??
      'This capability is unavailable right now';
  return (
    <WithReason reason={reason}>
      <Button
        variant={props.variant ?? 'contained'}
        size="small"
        component={RouterLink}
        to={requestLink(capability.ref)}
        disabled={!capability.available}
        aria-label={`Request ${capability.title}`}
      >
        Request
      </Button>
    </WithReason>
  );
};

/** One capability in the service catalog. */
export const CapabilityCard = (props: {
  capability: Capability;
  instances: number | undefined;
}) => {
  const { capability, instances } = props;
  const capabilityLink = useCapabilityLink();
  const inventoryLink = useInventoryLink();
  const titleId = `capability-${capability.ref}`;
  return (
    <Card
      component="article"
      aria-labelledby={titleId}
      variant="outlined"
      sx={{ height: '100%', display: 'flex', flexDirection: 'column' }}
    >
      <CardContent sx={{ flexGrow: 1 }}>
        <Box
          sx={{
            display: 'flex',
            flexWrap: 'wrap',
            alignItems: 'flex-start',
            justifyContent: 'space-between',
            gap: 1,
          }}
        >
          <Typography
            variant="h6"
            component="h2"
            id={titleId}
            sx={{ flex: '1 1 auto', minWidth: 0 }}
          >
            <Link component={RouterLink} to={capabilityLink(capability.ref)}>
              {capability.title}
            </Link>
          </Typography>
          <AvailabilityChip capability={capability} />
        </Box>
        <Typography variant="caption" color="text.secondary" component="p">
          {capability.ref} · engine {capability.engine} · version{' '}
          {capability.version}
        </Typography>
        <Typography variant="body2" sx={{ mt: 1 }}>
          {capability.description ?? 'No description.'}
        </Typography>
        {!capability.available && capability.availabilityMessage && (
          <Typography variant="body2" color="warning.main" sx={{ mt: 1 }}>
            {capability.availabilityMessage}
          </Typography>
        )}
        <Typography variant="body2" sx={{ mt: 1 }}>
          {instances === undefined ? (
            'Instances: —'
          ) : (
            <Link
              component={RouterLink}
              to={inventoryLink({ capability: capability.ref })}
            >
              {formatInstances(instances)}
            </Link>
          )}
        </Typography>
        {capability.tags.length > 0 && (
          <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5, mt: 1 }}>
            {capability.tags.map(tag => (
              <Chip key={tag} size="small" label={tag} />
            ))}
          </Box>
        )}
      </CardContent>
      <CardActions>
        <RequestButton capability={capability} />
        <Button
          size="small"
          component={RouterLink}
          to={capabilityLink(capability.ref)}
          aria-label={`Details of ${capability.title}`}
        >
          Details
        </Button>
      </CardActions>
    </Card>
  );
};
