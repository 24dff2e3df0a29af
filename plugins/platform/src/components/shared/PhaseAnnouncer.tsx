import { useEffect, useRef, useState } from 'react';
import Box from '@mui/material/Box';
import { PlatformResource } from '@trellis/backstage-plugin-platform-common';

/**
 * Tells screen readers, politely, when a listed resource changes phase
 * ("orders-db is now Ready"). The list itself is not a live region: it
 * re-renders as a whole, and reading all of it on every change would drown
 * the one change that matters. The first render announces nothing.
 */
export const PhaseAnnouncer = (props: {
  resources: PlatformResource[] | undefined;
}) => {
  const seen = useRef<Map<string, string>>();
  const [message, setMessage] = useState('');

  useEffect(() => {
    if (!props.resources) return;
    const phases = new Map(props.resources.map(r => [r.id, r.status.phase]));
    const previous = seen.current;
    seen.current = phases;
    if (!previous) return;
    const changes = props.resources
      .filter(r => previous.has(r.id) && previous.get(r.id) !== r.status.phase)
      .map(r => `${r.name} is now ${r.status.phase}`);
    if (changes.length) setMessage(changes.join('. '));
  }, [props.resources]);

  return (
    <Box
      role="status"
      aria-live="polite"
      aria-atomic="true"
      data-testid="phase-announcer"
      sx={{
        // Visually hidden (sx would read 1 as 100%, so lengths are strings).
        position: 'absolute',
        width: '1px',
        height: '1px',
        margin: '-1px',
        overflow: 'hidden',
        clip: 'rect(0 0 0 0)',
        clipPath: 'inset(50%)',
        whiteSpace: 'nowrap',
      }}
    >
      {message}
    </Box>
  );
};
