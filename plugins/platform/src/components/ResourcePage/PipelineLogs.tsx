import { memo } from 'react';
import { LogViewer } from '@backstage/core-components';
import Accordion from '@mui/material/Accordion';
import AccordionDetails from '@mui/material/AccordionDetails';
import AccordionSummary from '@mui/material/AccordionSummary';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Typography from '@mui/material/Typography';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import { PipelineLog } from '@trellis/backstage-plugin-platform-common';
import { formatDateTime, formatDuration } from '../shared/format';

const statusColor = {
  Running: 'info',
  Succeeded: 'success',
  Failed: 'error',
  Cancelled: 'default',
} as const;

/**
 * One accordion per pipeline step; the log renders only when opened.
 * Memoized: a change of the resource alone does not render the logs again.
 */
export const PipelineLogs = memo((props: { logs: PipelineLog[] }) => (
  <div>
    {props.logs.map((log, index) => {
      const duration =
        log.finishedAt &&
        Date.parse(log.finishedAt) - Date.parse(log.startedAt);
      return (
        <Accordion
          key={`${log.pipeline}/${log.step}/${log.startedAt}/${index}`}
          TransitionProps={{ unmountOnExit: true }}
          disableGutters
          variant="outlined"
        >
          <AccordionSummary expandIcon={<ExpandMoreIcon />}>
            <Box
              sx={{
                display: 'flex',
                gap: 1,
                alignItems: 'center',
                flexWrap: 'wrap',
              }}
            >
              <Typography fontWeight="medium">
                {log.pipeline} / {log.step}
              </Typography>
              <Chip
                size="small"
                color={statusColor[log.status] ?? 'default'}
                label={log.status}
              />
              <Typography variant="caption" color="text.secondary">
                {formatDateTime(log.startedAt)}
                {duration ? ` · ${formatDuration(duration)}` : ''}
              </Typography>
            </Box>
          </AccordionSummary>
          <AccordionDetails>
            <Box sx={{ height: 320 }}>
              <LogViewer text={log.output || '(no output)'} />
            </Box>
          </AccordionDetails>
        </Accordion>
      );
    })}
  </div>
));
