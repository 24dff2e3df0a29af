import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import Button from '@mui/material/Button';
import CheckIcon from '@mui/icons-material/Check';
import CloseIcon from '@mui/icons-material/Close';
import {
  ChangeRequest,
  platformResourceApprovePermission,
} from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../../api';
import { WithReason } from '../shared/WithReason';
import { messageOf } from '../shared/errors';
import { Decision, statusLabel } from './approvals';
import { DecisionDialog } from './DecisionDialog';

/** Why the viewer cannot approve or reject, or undefined when they can. */
function useDecisionReason(
  request: ChangeRequest,
  me: string | undefined,
): string | undefined {
  const permission = usePermission({
    permission: platformResourceApprovePermission,
    resourceRef: request.resource.id,
  });
  if (request.status !== 'pending') {
    return `This request is decided: ${statusLabel(
      request.status,
    ).toLocaleLowerCase('en-US')}`;
  }
  if (me && request.requestedBy === me) {
    return 'You requested this change; someone else must approve it';
  }
  // A create has no resource to check against yet: the platform decides
  // when the button is pressed, and says why if not.
  if (!request.resource.id) return undefined;
  if (permission.loading) return 'Checking your permissions…';
  if (!permission.allowed) {
    return 'Deciding change requests for this resource needs the platform.resource.approve permission';
  }
  return undefined;
}

const DECISION_BUTTONS = {
  reject: {
    label: 'Reject',
    variant: 'outlined',
    color: 'error',
    Icon: CloseIcon,
  },
  approve: {
    label: 'Approve',
    variant: 'contained',
    color: 'primary',
    Icon: CheckIcon,
  },
} as const;

/** Approve or Reject, disabled with the reason when the viewer may not. */
const DecisionButton = (props: {
  decision: Decision;
  reason: string | undefined;
  onClick: () => void;
}) => {
  const { label, variant, color, Icon } = DECISION_BUTTONS[props.decision];
  return (
    <WithReason reason={props.reason}>
      <Button
        variant={variant}
        color={color}
        startIcon={<Icon />}
        disabled={Boolean(props.reason)}
        onClick={props.onClick}
      >
        {label}
      </Button>
    </WithReason>
  );
};

/**
 * What the viewer may do with a request: Reject and Approve (each through
 * the decision dialog, with a comment), and Cancel for its requester while
 * it waits. The page says what came of it.
 */
export const DecisionPanel = (props: {
  request: ChangeRequest;
  /** The signed-in user, once known. */
  me: string | undefined;
  /** A decision or a cancel went through: what to tell the viewer. */
  onChanged: (notice: string) => void;
  /** Cancelling failed (why), or is tried again (undefined). */
  onProblem: (problem: string | undefined) => void;
}) => {
  const { request, me, onChanged, onProblem } = props;
  const api = useApi(platformApiRef);
  const [dialog, setDialog] = useState<Decision>();
  const [cancelling, setCancelling] = useState(false);
  const reason = useDecisionReason(request, me);
  const mine = Boolean(me && request.requestedBy === me);

  const cancel = async () => {
    setCancelling(true);
    onProblem(undefined);
    try {
      await api.cancelChangeRequest(request.id);
      onChanged('You withdrew this request; nothing was changed.');
    } catch (error) {
      onProblem(`Cancelling failed: ${messageOf(error)}`);
    } finally {
      setCancelling(false);
    }
  };

  return (
    <>
      {request.status === 'pending' && mine && (
        <Button variant="outlined" onClick={cancel} disabled={cancelling}>
          {cancelling ? 'Cancelling…' : 'Cancel request'}
        </Button>
      )}
      <DecisionButton
        decision="reject"
        reason={reason}
        onClick={() => setDialog('reject')}
      />
      <DecisionButton
        decision="approve"
        reason={reason}
        onClick={() => setDialog('approve')}
      />
      {dialog && (
        <DecisionDialog
          request={request}
          decision={dialog}
          onClose={() => setDialog(undefined)}
          onDecide={comment =>
            dialog === 'approve'
              ? api.approveChangeRequest(request.id, {
                  comment: comment || undefined,
                })
              : api.rejectChangeRequest(request.id, { comment })
          }
          onDecided={decided => {
            setDialog(undefined);
            onChanged(
              decided.status === 'approved'
                ? 'Approved: the platform is applying the change.'
                : `${statusLabel(decided.status)}.`,
            );
          }}
        />
      )}
    </>
  );
};
