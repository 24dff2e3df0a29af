import { cloneElement, CSSProperties, ReactElement, useState } from 'react';
import Tooltip from '@mui/material/Tooltip';

let reasonCount = 0;

const visuallyHidden: CSSProperties = {
  position: 'absolute',
  width: 1,
  height: 1,
  margin: -1,
  padding: 0,
  border: 0,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
};

/**
 * Explains why a control is disabled: a tooltip for pointer users (on a
 * wrapper, since disabled buttons get no hover), and the reason as the
 * control's accessible description for screen readers.
 */
export const WithReason = (props: {
  reason: string | undefined;
  children: ReactElement;
}) => {
  const [id] = useState(() => `platform-reason-${++reasonCount}`);
  if (!props.reason) return props.children;
  return (
    <Tooltip title={props.reason} describeChild>
      <span style={{ display: 'inline-flex' }}>
        {cloneElement(props.children, { 'aria-describedby': id })}
        <span id={id} style={visuallyHidden}>
          {props.reason}
        </span>
      </span>
    </Tooltip>
  );
};
