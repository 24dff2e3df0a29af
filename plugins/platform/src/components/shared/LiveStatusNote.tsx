import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import FiberManualRecordIcon from '@mui/icons-material/FiberManualRecord';
import RefreshIcon from '@mui/icons-material/Refresh';

/**
 * Says whether the status on screen updates by itself. Without the signals
 * plugin it does not, so a Refresh button takes its place (never a timer).
 */
export const LiveStatusNote = (props: {
  live: boolean;
  onRefresh: () => void;
}) => {
  if (props.live) {
    return (
      <Tooltip title="Status changes are pushed to this page as they happen">
        <Box
          component="span"
          tabIndex={0}
          sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.5 }}
        >
          <FiberManualRecordIcon color="success" sx={{ fontSize: 12 }} />
          <Typography variant="caption">Live</Typography>
        </Box>
      </Tooltip>
    );
  }
  return (
    <Box
      component="span"
      sx={{ display: 'inline-flex', alignItems: 'center', gap: 1 }}
    >
      <Typography variant="caption" color="text.secondary">
        Live updates are off in this app
      </Typography>
      <Button
        size="small"
        startIcon={<RefreshIcon />}
        onClick={props.onRefresh}
      >
        Refresh
      </Button>
    </Box>
  );
};
