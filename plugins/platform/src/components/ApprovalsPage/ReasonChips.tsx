import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Tooltip from '@mui/material/Tooltip';
import { ApprovalReason } from '@trellis/backstage-plugin-platform-common';
import { REASON_DESCRIPTIONS, REASON_LABELS } from './approvals';

/** Why a change needs approval, one chip per reason. */
export const ReasonChips = (props: { reasons: ApprovalReason[] }) => (
  <Box
    component="span"
    sx={{ display: 'inline-flex', flexWrap: 'wrap', gap: 0.5 }}
  >
    {props.reasons.map(reason => (
      <Tooltip key={reason} title={REASON_DESCRIPTIONS[reason] ?? reason}>
        <Chip
          size="small"
          variant="outlined"
          label={REASON_LABELS[reason] ?? reason}
        />
      </Tooltip>
    ))}
  </Box>
);
