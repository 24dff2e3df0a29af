import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import TextField from '@mui/material/TextField';
import { ChangeRequest } from '@trellis/backstage-plugin-platform-common';
import { messageOf, statusOf } from '../shared/errors';
import { Decision, operationLabel, resourceText } from './approvals';

function problemOf(error: unknown, decision: Decision): string {
  const status = statusOf(error);
  // The platform's own words say why (the requester, a service, the policy).
  if (status === 403)
    return `You cannot ${decision} this request: ${messageOf(error)}`;
  if (status === 409)
    return `This request cannot be decided now: ${messageOf(error)}`;
  return `${
    decision === 'approve' ? 'Approving' : 'Rejecting'
  } failed: ${messageOf(error)}`;
}

/**
 * Approve or reject with a comment. A rejection needs one (the requester is
 * told why); an approval may have one.
 */
export const DecisionDialog = (props: {
  request: ChangeRequest;
  decision: Decision;
  onClose: () => void;
  onDecide: (comment: string) => Promise<ChangeRequest>;
  onDecided: (request: ChangeRequest) => void;
}) => {
  const { request, decision, onClose, onDecide, onDecided } = props;
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [touched, setTouched] = useState(false);
  const [problem, setProblem] = useState<string>();
  const needsComment = decision === 'reject';
  const missing = needsComment && comment.trim() === '';
  const label = decision === 'approve' ? 'Approve' : 'Reject';
  const title = `${label} request ${request.id}?`;

  const submit = async () => {
    setTouched(true);
    if (missing) return;
    setBusy(true);
    setProblem(undefined);
    try {
      onDecided(await onDecide(comment.trim()));
    } catch (error) {
      setProblem(problemOf(error, decision));
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      onClose={busy ? undefined : onClose}
      aria-labelledby="platform-decision-title"
      fullWidth
      maxWidth="sm"
    >
      <DialogTitle id="platform-decision-title">{title}</DialogTitle>
      <DialogContent>
        <DialogContentText sx={{ mb: 2 }}>
          {decision === 'approve'
            ? `${operationLabel(request.operation)} of ${resourceText(
                request,
              )} is applied as soon as you approve.`
            : `${operationLabel(request.operation)} of ${resourceText(
                request,
              )} will not run. Tell the requester why.`}
          {decision === 'approve' && request.operation === 'delete' && (
            <>
              {' '}
              <strong>The resource and everything in it are deleted.</strong>
            </>
          )}
        </DialogContentText>
        {problem && (
          <Alert severity="error" role="alert" sx={{ mb: 2 }}>
            {problem}
          </Alert>
        )}
        <TextField
          id="platform-decision-comment"
          label={needsComment ? 'Comment (required)' : 'Comment (optional)'}
          value={comment}
          onChange={e => setComment(e.target.value)}
          onBlur={() => setTouched(true)}
          multiline
          minRows={3}
          fullWidth
          required={needsComment}
          error={touched && missing}
          helperText={
            touched && missing ? 'Say why you reject the change.' : undefined
          }
          disabled={busy}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>
          Back
        </Button>
        <Button
          variant="contained"
          color={
            decision === 'reject' || request.operation === 'delete'
              ? 'error'
              : 'primary'
          }
          onClick={submit}
          disabled={busy}
        >
          {busy ? 'Sending…' : label}
        </Button>
      </DialogActions>
    </Dialog>
  );
};
