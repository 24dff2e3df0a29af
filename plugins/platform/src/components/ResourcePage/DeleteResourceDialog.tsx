import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import TextField from '@mui/material/TextField';
import {
  Capability,
  PendingApproval,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../../api';
import {
  EngineCredentialsError,
  useEngineToken,
} from '../../hooks/useEngineToken';
import { messageOf, statusOf } from '../shared/errors';

function deleteProblem(error: unknown): string {
  if (error instanceof EngineCredentialsError)
    return `${error.message} Nothing was changed.`;
  const status = statusOf(error);
  if (status === 403) {
    return `You are not allowed to delete this resource. ${messageOf(error)}`;
  }
  if (status === 409) {
    return `The resource cannot be deleted right now: ${messageOf(error)}`;
  }
  return `Deleting failed: ${messageOf(error)}`;
}

/** Asks for the resource's name before deleting it. */
export const DeleteResourceDialog = (props: {
  resource: PlatformResource;
  /** Its capability, when known: says whether the user's token is needed. */
  capability: Capability | undefined;
  onClose: () => void;
  /** The resource being deleted, or the change request when it needs approval. */
  onDeleted: (result: PlatformResource | PendingApproval) => void;
}) => {
  const { resource, capability, onClose, onDeleted } = props;
  const api = useApi(platformApiRef);
  const engineToken = useEngineToken();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();

  const confirm = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      const deleted = await api.deleteResource(resource.id, {
        engineToken: await engineToken(capability),
      });
      onDeleted(deleted);
    } catch (error) {
      setProblem(deleteProblem(error));
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      onClose={busy ? undefined : onClose}
      aria-labelledby="platform-delete-title"
    >
      <DialogTitle id="platform-delete-title">
        Delete {resource.name}?
      </DialogTitle>
      <DialogContent>
        <DialogContentText sx={{ mb: 2 }}>
          The engine removes the {resource.capabilityRef} instance in{' '}
          <strong>{resource.environment}</strong> and everything in it. This
          cannot be undone. Type <strong>{resource.name}</strong> to confirm.
        </DialogContentText>
        {problem && (
          <Alert severity="error" sx={{ mb: 2 }} role="alert">
            {problem}
          </Alert>
        )}
        <TextField
          id="platform-delete-confirm"
          label="Resource name"
          value={typed}
          onChange={e => setTyped(e.target.value)}
          fullWidth
          autoComplete="off"
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>
          Cancel
        </Button>
        <Button
          color="error"
          variant="contained"
          onClick={confirm}
          disabled={busy || typed !== resource.name}
        >
          {busy ? 'Deleting…' : 'Delete'}
        </Button>
      </DialogActions>
    </Dialog>
  );
};
