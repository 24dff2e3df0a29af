import Chip from '@mui/material/Chip';
import { ChangeRequestStatus } from '@trellis/backstage-plugin-platform-common';
import { STATUS_COLORS, statusLabel } from './approvals';

/** A change request's status: colour and words (colour is never the only cue). */
export const StatusChip = (props: {
  status: ChangeRequestStatus;
  size?: 'small' | 'medium';
}) => (
  <Chip
    size={props.size ?? 'small'}
    color={STATUS_COLORS[props.status] ?? 'default'}
    label={statusLabel(props.status)}
  />
);
