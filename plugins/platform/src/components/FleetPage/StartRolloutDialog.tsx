import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import { Capability, Rollout } from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../../api';
import {
  EngineCredentialsError,
  useEngineToken,
} from '../../hooks/useEngineToken';
import { messageOf, statusOf } from '../shared/errors';
import { formatCount } from '../shared/format';
import { CapabilityFleet, versionTotal } from './fleet';

export const ROLLOUT_FORBIDDEN =
  'Only platform administrators can start rollouts';

/** Starts a day-2 upgrade of a capability's instances, in waves. */
export const StartRolloutDialog = (props: {
  capability: Capability;
  fleet: CapabilityFleet;
  onClose: () => void;
  onStarted: (rollout: Rollout) => void;
}) => {
  const { capability, fleet, onClose, onStarted } = props;
  const api = useApi(platformApiRef);
  const engineToken = useEngineToken();
  const [targetVersion, setTargetVersion] = useState(capability.version);
  const [waveSize, setWaveSize] = useState('5');
  const [pauseSeconds, setPauseSeconds] = useState('0');
  const [environments, setEnvironments] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();

  const wave = Number(waveSize);
  const pause = Number(pauseSeconds);
  const waveProblem =
    !Number.isInteger(wave) || wave < 1 || wave > 1000
      ? 'A whole number from 1 to 1000'
      : undefined;
  const pauseProblem =
    !Number.isInteger(pause) || pause < 0
      ? 'A whole number, 0 or more'
      : undefined;
  const toUpgrade = fleet.total - versionTotal(fleet, targetVersion);

  const start = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      const envs = environments
        .split(',')
        .map(e => e.trim())
        .filter(Boolean);
      const rollout = await api.createRollout(
        {
          capabilityRef: capability.ref,
          targetVersion,
          waveSize: wave,
          pauseSeconds: pause,
          environments: envs.length ? envs : undefined,
        },
        { engineToken: await engineToken(capability) },
      );
      onStarted(rollout);
    } catch (error) {
      if (error instanceof EngineCredentialsError) {
        setProblem(`${error.message} Nothing was changed.`);
      } else {
        setProblem(
          statusOf(error) === 403
            ? ROLLOUT_FORBIDDEN
            : `The rollout did not start: ${messageOf(error)}`,
        );
      }
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      onClose={busy ? undefined : onClose}
      aria-labelledby="platform-rollout-title"
      fullWidth
      maxWidth="xs"
    >
      <DialogTitle id="platform-rollout-title">
        Upgrade {capability.title}
      </DialogTitle>
      <DialogContent>
        <DialogContentText sx={{ mb: 2 }}>
          The platform upgrades the instances wave by wave and stops when an
          instance fails. {formatCount(toUpgrade)} of {formatCount(fleet.total)}{' '}
          instances are not on {targetVersion}.
        </DialogContentText>
        {problem && (
          <Alert severity="error" role="alert" sx={{ mb: 2 }}>
            {problem}
          </Alert>
        )}
        <Stack spacing={2} sx={{ pt: 1 }}>
          <TextField
            select
            id="platform-rollout-version"
            label="Target version"
            value={targetVersion}
            onChange={e => setTargetVersion(e.target.value)}
            disabled={busy}
          >
            {[...capability.versions].reverse().map(version => (
              <MenuItem key={version} value={version}>
                {version}
                {version === capability.version ? ' (current)' : ''}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            id="platform-rollout-wave-size"
            type="number"
            label="Instances per wave"
            value={waveSize}
            onChange={e => setWaveSize(e.target.value)}
            inputProps={{ min: 1, max: 1000, step: 1 }}
            error={Boolean(waveProblem)}
            helperText={waveProblem}
            disabled={busy}
          />
          <TextField
            id="platform-rollout-pause"
            type="number"
            label="Pause between waves (seconds)"
            value={pauseSeconds}
            onChange={e => setPauseSeconds(e.target.value)}
            inputProps={{ min: 0, step: 1 }}
            error={Boolean(pauseProblem)}
            helperText={pauseProblem}
            disabled={busy}
          />
          <TextField
            id="platform-rollout-environments"
            label="Environments"
            placeholder="dev, staging"
            helperText="Comma separated; leave empty for all environments"
            value={environments}
            onChange={e => setEnvironments(e.target.value)}
            disabled={busy}
          />
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>
          Cancel
        </Button>
        <Button
          variant="contained"
          onClick={start}
          disabled={
            busy || Boolean(waveProblem || pauseProblem) || toUpgrade === 0
          }
        >
          {busy ? 'Starting…' : 'Start rollout'}
        </Button>
      </DialogActions>
    </Dialog>
  );
};
