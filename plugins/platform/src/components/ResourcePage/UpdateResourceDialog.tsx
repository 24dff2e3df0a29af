import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import {
  Capability,
  JsonObject,
  PendingApproval,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../../api';
import {
  EngineCredentialsError,
  useEngineToken,
} from '../../hooks/useEngineToken';
import { SchemaForm } from '../schema/SchemaForm';
import { asSchema, validateSpec } from '../schema/schema';
import { messageOf, statusOf } from '../shared/errors';

type Problem =
  | { kind: 'conflict'; generation: number }
  | { kind: 'message'; text: string };

/**
 * Changes a resource's spec with a form generated from its capability's
 * schema. The change names the generation it is based on, so a concurrent
 * change is reported (409) instead of silently overwritten.
 */
export const UpdateResourceDialog = (props: {
  resource: PlatformResource;
  capability: Capability;
  onClose: () => void;
  /** The resource saved, or the change request when it needs approval. */
  onUpdated: (result: PlatformResource | PendingApproval) => void;
  /** Fetches the latest resource (after a conflict). */
  onReload: () => Promise<PlatformResource | undefined>;
}) => {
  const { capability, onClose, onUpdated, onReload } = props;
  const api = useApi(platformApiRef);
  const engineToken = useEngineToken();
  const [base, setBase] = useState(props.resource);
  const [spec, setSpec] = useState<JsonObject>(props.resource.spec);
  const [showProblems, setShowProblems] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);
  const [reloaded, setReloaded] = useState(false);

  const problems = validateSpec(asSchema(capability.inputSchema), spec);
  const valid = Object.keys(problems).length === 0;

  const submit = async () => {
    setShowProblems(true);
    if (!valid) return;
    setBusy(true);
    setProblem(undefined);
    setReloaded(false);
    try {
      const updated = await api.updateResource(
        base.id,
        { spec, generation: base.generation },
        { engineToken: await engineToken(capability) },
      );
      onUpdated(updated);
    } catch (error) {
      const status = statusOf(error);
      if (error instanceof EngineCredentialsError) {
        setProblem({
          kind: 'message',
          text: `${error.message} Nothing was changed.`,
        });
      } else if (status === 409) {
        setProblem({ kind: 'conflict', generation: base.generation });
      } else if (status === 403) {
        setProblem({
          kind: 'message',
          text: `You are not allowed to update this resource. ${messageOf(
            error,
          )}`,
        });
      } else if (status === 400) {
        setProblem({
          kind: 'message',
          text: `The change is not valid: ${messageOf(error)}`,
        });
      } else {
        setProblem({
          kind: 'message',
          text: `Updating failed: ${messageOf(error)}`,
        });
      }
      setBusy(false);
    }
  };

  const reload = async () => {
    setBusy(true);
    try {
      const latest = await onReload();
      if (latest) {
        setBase(latest);
        setSpec(latest.spec);
        setProblem(undefined);
        setReloaded(true);
      }
    } catch (error) {
      setProblem({
        kind: 'message',
        text: `Reloading failed: ${messageOf(error)}`,
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      onClose={busy ? undefined : onClose}
      aria-labelledby="platform-update-title"
      fullWidth
      maxWidth="sm"
    >
      <DialogTitle id="platform-update-title">Update {base.name}</DialogTitle>
      <DialogContent>
        <DialogContentText sx={{ mb: 2 }}>
          {capability.title} · generation {base.generation}. The engine applies
          the change after you save; the status shows its progress.
        </DialogContentText>
        {problem?.kind === 'conflict' && (
          <Alert
            severity="warning"
            role="alert"
            sx={{ mb: 2 }}
            action={
              <Button
                color="inherit"
                size="small"
                onClick={reload}
                disabled={busy}
              >
                Reload
              </Button>
            }
          >
            This resource changed since you opened it (generation{' '}
            {problem.generation}). Reload to see the latest and apply your
            change again.
          </Alert>
        )}
        {problem?.kind === 'message' && (
          <Alert severity="error" role="alert" sx={{ mb: 2 }}>
            {problem.text}
          </Alert>
        )}
        {reloaded && (
          <Alert severity="info" sx={{ mb: 2 }}>
            Showing generation {base.generation}. Apply your change again.
          </Alert>
        )}
        <SchemaForm
          schema={capability.inputSchema}
          value={spec}
          onChange={setSpec}
          problems={showProblems ? problems : {}}
          disabled={busy}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>
          Cancel
        </Button>
        <Button
          variant="contained"
          onClick={submit}
          disabled={busy || problem?.kind === 'conflict'}
        >
          {busy ? 'Saving…' : 'Save'}
        </Button>
      </DialogActions>
    </Dialog>
  );
};
