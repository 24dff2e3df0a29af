import { useEffect, useRef, useState } from 'react';
import TextField, { TextFieldProps } from '@mui/material/TextField';

/** How long typing pauses before a search is sent. */
export const SEARCH_DEBOUNCE_MS = 300;

/**
 * A text field that reports its value once typing pauses, so the inventory
 * does not query the server on every key stroke.
 */
export const DebouncedTextField = (
  props: Omit<TextFieldProps, 'value' | 'onChange'> & {
    value: string;
    onCommit: (value: string) => void;
  },
) => {
  const { value, onCommit, ...rest } = props;
  const [text, setText] = useState(value);
  const sent = useRef(value);
  const commit = useRef(onCommit);
  commit.current = onCommit;

  // Take outside changes (Clear filters, back button), not our own echo.
  useEffect(() => {
    if (value !== sent.current) {
      sent.current = value;
      setText(value);
    }
  }, [value]);

  useEffect(() => {
    if (text === sent.current) return undefined;
    const timer = setTimeout(() => {
      sent.current = text;
      commit.current(text);
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  return (
    <TextField {...rest} value={text} onChange={e => setText(e.target.value)} />
  );
};
