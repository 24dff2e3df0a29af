import { ReactNode, useEffect, useRef, useState } from 'react';
import Box from '@mui/material/Box';

/**
 * The frame of every Trellis table. Backstage's theme lets table cells break
 * anywhere (`word-break: break-word`), which a squeezed table turns into one
 * letter per line; here words stay whole and a table wider than its card
 * scrolls sideways inside this region instead of widening the page. The
 * region takes keyboard focus only while it actually scrolls, so keyboard
 * users can scroll it and nobody tabs through frames that do nothing.
 */
export const TableScroll = (props: { label: string; children: ReactNode }) => {
  const ref = useRef<HTMLDivElement>(null);
  const [scrolls, setScrolls] = useState(false);

  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return undefined;
    const measure = () => setScrolls(el.scrollWidth > el.clientWidth + 1);
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    if (el.firstElementChild) observer.observe(el.firstElementChild);
    measure();
    return () => observer.disconnect();
  }, []);

  return (
    <Box
      ref={ref}
      role={scrolls ? 'region' : undefined}
      aria-label={scrolls ? `${props.label} (scrolls sideways)` : undefined}
      tabIndex={scrolls ? 0 : undefined}
      sx={{
        overflowX: 'auto',
        maxWidth: '100%',
        '& > table': { minWidth: '100%' },
        '& th, & td': { wordBreak: 'normal', overflowWrap: 'normal' },
        '& thead th': { whiteSpace: 'nowrap' },
        '&:focus-visible': {
          outline: theme => `2px solid ${theme.palette.primary.main}`,
          outlineOffset: 2,
        },
      }}
    >
      {props.children}
    </Box>
  );
};

/**
 * Text that is cut with an ellipsis when it does not fit, with the full
 * text on hover. For names and ids, which have no spaces to wrap at.
 */
export const Truncate = (props: {
  text: string;
  /** The widest it may get before it is cut, in px or any CSS length. */
  maxWidth?: number | string | Record<string, number | string>;
  children?: ReactNode;
}) => (
  <Box
    component="span"
    title={props.text}
    sx={{
      display: 'inline-block',
      maxWidth: props.maxWidth ?? '100%',
      overflow: 'hidden',
      textOverflow: 'ellipsis',
      whiteSpace: 'nowrap',
      verticalAlign: 'bottom',
    }}
  >
    {props.children ?? props.text}
  </Box>
);
