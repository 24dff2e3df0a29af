import { memo, ReactNode } from 'react';
import Box from '@mui/material/Box';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Typography from '@mui/material/Typography';
import AddCircleOutlineIcon from '@mui/icons-material/AddCircleOutline';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutline';
import EditIcon from '@mui/icons-material/Edit';
import ErrorOutlineIcon from '@mui/icons-material/ErrorOutline';
import SwapHorizIcon from '@mui/icons-material/SwapHoriz';
import UpgradeIcon from '@mui/icons-material/Upgrade';
import { ResourceEvent } from '@trellis/backstage-plugin-platform-common';
import { PhaseChip } from '../shared/PhaseChip';
import {
  formatDateTime,
  formatRelative,
  shortEntityRef,
} from '../shared/format';

function describe(event: ResourceEvent): { icon: ReactNode; title: ReactNode } {
  const data = event.data ?? {};
  switch (event.type) {
    case 'requested':
      return { icon: <AddCircleOutlineIcon />, title: 'Requested' };
    case 'phase-changed':
      return {
        icon: <SwapHorizIcon />,
        title: (
          <Box
            component="span"
            sx={{
              display: 'inline-flex',
              gap: 1,
              alignItems: 'center',
              flexWrap: 'wrap',
            }}
          >
            Phase changed
            {event.fromPhase && <PhaseChip phase={event.fromPhase} />}→
            {event.toPhase && <PhaseChip phase={event.toPhase} />}
          </Box>
        ),
      };
    case 'spec-updated':
      return {
        icon: <EditIcon />,
        title: `Spec updated${
          event.generation ? ` (generation ${event.generation})` : ''
        }`,
      };
    case 'delete-requested':
      return { icon: <DeleteOutlineIcon />, title: 'Deletion requested' };
    case 'deleted':
      return { icon: <DeleteOutlineIcon />, title: 'Deleted' };
    case 'upgrade-started':
      return {
        icon: <UpgradeIcon />,
        title: `Upgrade started${
          data.toVersion ? ` to ${String(data.toVersion)}` : ''
        }${data.fromVersion ? ` from ${String(data.fromVersion)}` : ''}`,
      };
    case 'upgrade-finished':
      return {
        icon: <UpgradeIcon />,
        title: `Upgrade finished${
          data.toVersion ? ` at ${String(data.toVersion)}` : ''
        }`,
      };
    case 'dispatch-failed':
      return {
        icon: <ErrorOutlineIcon color="error" />,
        title: 'Could not reach the engine',
      };
    default:
      return { icon: <SwapHorizIcon />, title: String(event.type) };
  }
}

/**
 * The resource's history, newest first. Memoized: a change of the resource
 * alone does not render the history again.
 */
export const Timeline = memo((props: { events: ResourceEvent[] }) => {
  const events = [...props.events].sort((a, b) => b.at.localeCompare(a.at));
  if (events.length === 0) {
    return <Typography color="text.secondary">No history yet.</Typography>;
  }
  return (
    <List dense component="ol" aria-label="Timeline" disablePadding>
      {events.map(event => {
        const { icon, title } = describe(event);
        const details = [event.reason, event.message]
          .filter(Boolean)
          .join(': ');
        return (
          <ListItem
            key={event.id}
            component="li"
            alignItems="flex-start"
            disableGutters
          >
            <ListItemIcon sx={{ minWidth: 36, mt: 0.5 }}>{icon}</ListItemIcon>
            <ListItemText
              primary={title}
              primaryTypographyProps={{ component: 'div' }}
              secondaryTypographyProps={{ component: 'div' }}
              secondary={
                <>
                  <span title={formatDateTime(event.at)}>
                    {formatRelative(event.at)}
                  </span>
                  {event.actor ? ` · ${shortEntityRef(event.actor)}` : ''}
                  {details && <div>{details}</div>}
                </>
              }
            />
          </ListItem>
        );
      })}
    </List>
  );
});
