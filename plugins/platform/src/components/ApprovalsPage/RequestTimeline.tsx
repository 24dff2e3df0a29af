import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Typography from '@mui/material/Typography';
import { ChangeRequest } from '@trellis/backstage-plugin-platform-common';
import { formatDateTime } from '../shared/format';
import { expiresText, personText, requesterText } from './approvals';

interface Moment {
  key: string;
  title: string;
  at?: string;
  detail?: string;
}

function momentsOf(request: ChangeRequest): Moment[] {
  const moments: Moment[] = [
    {
      key: 'requested',
      title: `Requested by ${requesterText(request)}`,
      at: request.createdAt,
    },
  ];
  const by = personText(request.decidedBy);
  const decided = (title: string, detail?: string): Moment => ({
    key: 'decided',
    title,
    at: request.decidedAt,
    detail,
  });
  switch (request.status) {
    case 'approved':
      moments.push(decided(`Approved by ${by}`, request.comment), {
        key: 'applied',
        title: 'Applied: handed to the engine',
        at: request.decidedAt,
      });
      break;
    case 'failed':
      moments.push(decided(`Approved by ${by}`, request.comment), {
        key: 'failed',
        title: 'Could not be applied',
        at: request.decidedAt,
        detail: request.failure,
      });
      break;
    case 'rejected':
      moments.push(decided(`Rejected by ${by}`, request.comment));
      break;
    case 'cancelled':
      moments.push(decided(`Cancelled by ${by}`));
      break;
    case 'expired':
      moments.push({
        key: 'decided',
        title: 'Expired without a decision',
        at: request.decidedAt ?? request.expiresAt,
      });
      break;
    default:
      moments.push({
        key: 'waiting',
        title: `Waiting for approval, expires ${
          expiresText(request) ?? formatDateTime(request.expiresAt)
        }`,
        at: request.expiresAt,
      });
  }
  return moments;
}

/** What happened to a request so far, oldest first, with the decider's comment. */
export const RequestTimeline = (props: { request: ChangeRequest }) => (
  <List dense disablePadding aria-label="Request timeline">
    {momentsOf(props.request).map(moment => (
      <ListItem key={moment.key} disableGutters divider>
        <ListItemText
          primary={moment.title}
          secondary={
            <>
              {moment.at && (
                <span title={formatDateTime(moment.at)}>
                  {formatDateTime(moment.at)}
                </span>
              )}
              {moment.detail && (
                <Typography
                  component="span"
                  variant="body2"
                  display="block"
                  color="text.primary"
                  sx={{ whiteSpace: 'pre-wrap' }}
                >
                  “{moment.detail}”
                </Typography>
              )}
            </>
          }
        />
      </ListItem>
    ))}
  </List>
);
