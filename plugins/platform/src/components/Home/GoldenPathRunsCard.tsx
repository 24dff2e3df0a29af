import { Link as RouterLink } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { useApiHolder } from '@backstage/core-plugin-api';
import { scaffolderApiRef } from '@backstage/plugin-scaffolder-react';
import { ScaffolderTaskStatus } from '@backstage/plugin-scaffolder-common';
import Chip, { ChipProps } from '@mui/material/Chip';
import Link from '@mui/material/Link';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Skeleton from '@mui/material/Skeleton';
import Typography from '@mui/material/Typography';
import CancelIcon from '@mui/icons-material/Cancel';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import HourglassEmptyIcon from '@mui/icons-material/HourglassEmpty';
import SkipNextIcon from '@mui/icons-material/SkipNext';
import SyncIcon from '@mui/icons-material/Sync';
import { ReactElement } from 'react';
import { Truncate } from '../shared/TableScroll';
import { formatDateTime, formatRelative } from '../shared/format';

const SHOWN = 5;

const looks: Record<
  ScaffolderTaskStatus,
  { label: string; color: ChipProps['color']; icon: ReactElement }
> = {
  open: { label: 'Queued', color: 'primary', icon: <HourglassEmptyIcon /> },
  processing: { label: 'Running', color: 'primary', icon: <SyncIcon /> },
  completed: {
    label: 'Completed',
    color: 'success',
    icon: <CheckCircleIcon />,
  },
  failed: { label: 'Failed', color: 'error', icon: <ErrorIcon /> },
  cancelled: { label: 'Cancelled', color: 'default', icon: <CancelIcon /> },
  skipped: { label: 'Skipped', color: 'default', icon: <SkipNextIcon /> },
};

/** The signed-in user's latest scaffolder runs, each linking to its log. */
export const GoldenPathRunsCard = () => {
  const scaffolderApi = useApiHolder().get(scaffolderApiRef);
  const runs = useAsync(
    async () =>
      scaffolderApi?.listTasks({ filterByOwnership: 'owned', limit: SHOWN }),
    [scaffolderApi],
  );

  if (!scaffolderApi) {
    return (
      <Typography color="text.secondary">
        The scaffolder is not installed in this app.
      </Typography>
    );
  }
  if (runs.loading) {
    return (
      <Skeleton
        variant="rectangular"
        height={96}
        aria-label="Loading your golden-path runs"
      />
    );
  }
  if (runs.error || !runs.value) {
    return (
      <Typography color="error" role="alert">
        Could not load your runs: {runs.error?.message}
      </Typography>
    );
  }
  const tasks = [...runs.value.tasks]
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, SHOWN);
  if (tasks.length === 0) {
    return (
      <Typography color="text.secondary">
        You have not run a golden path yet.{' '}
        <Link underline="always" component={RouterLink} to="/create">
          Start one
        </Link>{' '}
        to get a service with its database, repository and bucket in minutes.
      </Typography>
    );
  }
  return (
    <List dense disablePadding aria-label="Your golden-path runs">
      {tasks.map(task => {
        const template = task.spec.templateInfo?.entity?.metadata;
        const title = template?.title ?? template?.name ?? 'Golden path';
        const look = looks[task.status] ?? looks.open;
        return (
          <ListItem
            key={task.id}
            disableGutters
            divider
            secondaryAction={
              <Chip
                size="small"
                color={look.color}
                icon={look.icon}
                label={look.label}
              />
            }
            sx={{ pr: 15 }}
          >
            <ListItemText
              primary={
                <Truncate text={title}>
                  <Link
                    underline="always"
                    component={RouterLink}
                    to={`/create/tasks/${encodeURIComponent(task.id)}`}
                  >
                    {title}
                  </Link>
                </Truncate>
              }
              secondary={
                <span title={formatDateTime(task.createdAt)}>
                  {formatRelative(task.createdAt)}
                </span>
              }
            />
          </ListItem>
        );
      })}
    </List>
  );
};
