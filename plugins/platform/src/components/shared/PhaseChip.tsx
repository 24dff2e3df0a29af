import { ReactElement } from 'react';
import Chip, { ChipProps } from '@mui/material/Chip';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutline';
import DeleteSweepIcon from '@mui/icons-material/DeleteSweep';
import ErrorIcon from '@mui/icons-material/Error';
import HelpOutlineIcon from '@mui/icons-material/HelpOutline';
import HourglassEmptyIcon from '@mui/icons-material/HourglassEmpty';
import PauseCircleIcon from '@mui/icons-material/PauseCircle';
import SyncIcon from '@mui/icons-material/Sync';
import WarningIcon from '@mui/icons-material/Warning';
import { ResourcePhase } from '@trellis/backstage-plugin-platform-common';

type PhaseLook = { color: ChipProps['color']; icon: ReactElement };

/**
 * Every phase has a colour from the theme palette (so dark mode works), an
 * icon and its name: colour is never the only cue.
 */
const looks: Record<ResourcePhase, PhaseLook> = {
  Pending: { color: 'primary', icon: <HourglassEmptyIcon /> },
  Provisioning: { color: 'primary', icon: <SyncIcon /> },
  Ready: { color: 'success', icon: <CheckCircleIcon /> },
  Updating: { color: 'primary', icon: <SyncIcon /> },
  Degraded: { color: 'warning', icon: <WarningIcon /> },
  Failed: { color: 'error', icon: <ErrorIcon /> },
  Deleting: { color: 'default', icon: <DeleteSweepIcon /> },
  Deleted: { color: 'default', icon: <DeleteOutlineIcon /> },
  Paused: { color: 'default', icon: <PauseCircleIcon /> },
  Unknown: { color: 'default', icon: <HelpOutlineIcon /> },
};

/** The theme colour of a phase, for other components (charts, counts). */
export function phaseColor(phase: ResourcePhase): ChipProps['color'] {
  return (looks[phase] ?? looks.Unknown).color;
}

/** A resource phase as a chip: colour, icon and text. */
export const PhaseChip = (props: {
  phase: ResourcePhase;
  size?: 'small' | 'medium';
}) => {
  const look = looks[props.phase] ?? looks.Unknown;
  return (
    <Chip
      size={props.size ?? 'small'}
      color={look.color}
      icon={look.icon}
      label={props.phase}
      data-testid="phase-chip"
    />
  );
};
