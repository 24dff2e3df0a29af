import { useState } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { useApi } from '@backstage/core-plugin-api';
import Accordion from '@mui/material/Accordion';
import AccordionDetails from '@mui/material/AccordionDetails';
import AccordionSummary from '@mui/material/AccordionSummary';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Chip, { ChipProps } from '@mui/material/Chip';
import LinearProgress from '@mui/material/LinearProgress';
import Link from '@mui/material/Link';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import PauseIcon from '@mui/icons-material/Pause';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import {
  Capability,
  Rollout,
  RolloutItemStatus,
  RolloutStatus,
} from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../../api';
import {
  EngineCredentialsError,
  useEngineToken,
} from '../../hooks/useEngineToken';
import { TableScroll, Truncate } from '../shared/TableScroll';
import { WithReason } from '../shared/WithReason';
import { messageOf, statusOf } from '../shared/errors';
import { formatRelative } from '../shared/format';
import { useResourceLink } from '../shared/links';
import { ROLLOUT_FORBIDDEN } from './StartRolloutDialog';

const rolloutColor: Record<RolloutStatus, ChipProps['color']> = {
  Running: 'info',
  Paused: 'warning',
  Completed: 'success',
  Failed: 'error',
  Cancelled: 'default',
};

const itemColor: Record<RolloutItemStatus, ChipProps['color']> = {
  Pending: 'default',
  Upgrading: 'info',
  Succeeded: 'success',
  Failed: 'error',
  Skipped: 'default',
};

const FINISHED: RolloutItemStatus[] = ['Succeeded', 'Failed', 'Skipped'];

/** Progress of one rollout, wave by wave, with pause and resume. */
export const RolloutCard = (props: {
  rollout: Rollout;
  capabilityTitle: string;
  /** The rollout's capability, when known: resuming may need the user's token. */
  capability?: Capability;
  controlReason?: string;
  onChanged: (rollout: Rollout) => void;
}) => {
  const { rollout, capabilityTitle, capability, controlReason, onChanged } =
    props;
  const api = useApi(platformApiRef);
  const engineToken = useEngineToken();
  const resourceLink = useResourceLink();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();

  const done = rollout.items.filter(i => FINISHED.includes(i.status)).length;
  const percent = rollout.items.length
    ? (done / rollout.items.length) * 100
    : 100;
  const counts = new Map<RolloutItemStatus, number>();
  for (const item of rollout.items) {
    counts.set(item.status, (counts.get(item.status) ?? 0) + 1);
  }
  const waves = [...new Set(rollout.items.map(i => i.wave))].sort(
    (a, b) => a - b,
  );

  const control = async (action: 'pause' | 'resume') => {
    setBusy(true);
    setProblem(undefined);
    try {
      onChanged(
        action === 'pause'
          ? await api.pauseRollout(rollout.id)
          : await api.resumeRollout(rollout.id, {
              // The rest of the rollout runs with the resumer's identity.
              engineToken: await engineToken(capability),
            }),
      );
    } catch (error) {
      if (error instanceof EngineCredentialsError) {
        setProblem(`${error.message} Nothing was changed.`);
      } else {
        setProblem(
          statusOf(error) === 403
            ? ROLLOUT_FORBIDDEN
            : `Could not ${action} the rollout: ${messageOf(error)}`,
        );
      }
    } finally {
      setBusy(false);
    }
  };

  const waveLabel =
    rollout.currentWave >= rollout.waveCount
      ? `All ${rollout.waveCount} waves done`
      : `Wave ${rollout.currentWave + 1} of ${rollout.waveCount}`;

  return (
    <Card
      variant="outlined"
      component="article"
      aria-label={`Rollout of ${capabilityTitle} to ${rollout.targetVersion}`}
    >
      <CardContent>
        <Box
          sx={{
            display: 'flex',
            alignItems: 'center',
            gap: 2,
            flexWrap: 'wrap',
          }}
        >
          <Typography variant="subtitle1" component="h3">
            {capabilityTitle} → {rollout.targetVersion}
          </Typography>
          <Chip
            size="small"
            color={rolloutColor[rollout.status]}
            label={rollout.status}
          />
          <Typography variant="body2" color="text.secondary">
            {waveLabel} · {rollout.waveSize} per wave · started{' '}
            {formatRelative(rollout.createdAt)}
          </Typography>
          <Box sx={{ flexGrow: 1 }} />
          {rollout.status === 'Running' && (
            <WithReason reason={controlReason}>
              <Button
                size="small"
                startIcon={<PauseIcon />}
                onClick={() => control('pause')}
                disabled={busy || Boolean(controlReason)}
              >
                Pause
              </Button>
            </WithReason>
          )}
          {rollout.status === 'Paused' && (
            <WithReason reason={controlReason}>
              <Button
                size="small"
                startIcon={<PlayArrowIcon />}
                onClick={() => control('resume')}
                disabled={busy || Boolean(controlReason)}
              >
                Resume
              </Button>
            </WithReason>
          )}
        </Box>
        {rollout.message && (
          <Typography variant="body2" sx={{ mt: 1 }}>
            {rollout.message}
          </Typography>
        )}
        {problem && (
          <Alert severity="error" role="alert" sx={{ mt: 1 }}>
            {problem}
          </Alert>
        )}
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, mt: 1 }}>
          <LinearProgress
            variant="determinate"
            value={percent}
            color={counts.get('Failed') ? 'error' : 'primary'}
            sx={{ flexGrow: 1 }}
            aria-label={`${done} of ${rollout.items.length} instances done`}
          />
          <Typography variant="body2">
            {done} / {rollout.items.length}
          </Typography>
        </Box>
        <Typography variant="caption" color="text.secondary">
          {[...counts.entries()]
            .map(([status, count]) => `${count} ${status.toLowerCase()}`)
            .join(' · ')}
        </Typography>
        {waves.map(wave => {
          const items = rollout.items.filter(i => i.wave === wave);
          const waveDone = items.filter(i =>
            FINISHED.includes(i.status),
          ).length;
          return (
            <Accordion
              key={wave}
              disableGutters
              variant="outlined"
              TransitionProps={{ unmountOnExit: true }}
              sx={{ mt: 1 }}
            >
              <AccordionSummary expandIcon={<ExpandMoreIcon />}>
                <Typography variant="body2">
                  Wave {wave + 1}: {waveDone} of {items.length} done
                  {wave === rollout.currentWave && rollout.status === 'Running'
                    ? ' (in progress)'
                    : ''}
                </Typography>
              </AccordionSummary>
              <AccordionDetails>
                <TableScroll label={`Wave ${wave + 1}`}>
                  <Table size="small" aria-label={`Wave ${wave + 1}`}>
                    <TableHead>
                      <TableRow>
                        <TableCell>Resource</TableCell>
                        <TableCell>Environment</TableCell>
                        <TableCell>From</TableCell>
                        <TableCell>Status</TableCell>
                        <TableCell>Message</TableCell>
                      </TableRow>
                    </TableHead>
                    <TableBody>
                      {items.map(item => (
                        <TableRow key={item.resourceId}>
                          <TableCell>
                            <Truncate
                              text={item.resourceName}
                              maxWidth={{ xs: 160, md: 280 }}
                            >
                              <Link
                                component={RouterLink}
                                to={resourceLink(item.resourceId)}
                              >
                                {item.resourceName}
                              </Link>
                            </Truncate>
                          </TableCell>
                          <TableCell>{item.environment}</TableCell>
                          <TableCell>{item.fromVersion ?? '—'}</TableCell>
                          <TableCell>
                            <Chip
                              size="small"
                              color={itemColor[item.status]}
                              label={item.status}
                            />
                          </TableCell>
                          <TableCell>{item.message ?? ''}</TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                </TableScroll>
              </AccordionDetails>
            </Accordion>
          );
        })}
      </CardContent>
    </Card>
  );
};
