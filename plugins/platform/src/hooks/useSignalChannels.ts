import { useEffect, useRef } from 'react';
import { useApiHolder } from '@backstage/core-plugin-api';
import { signalApiRef } from '@backstage/plugin-signals-react';

/**
 * Subscribes to several signal channels at once (useSignal takes one) and
 * calls `onMessage` for any message. The platform's messages say only that
 * something changed (`ResourceChangedSignal`): read again through the API,
 * which shows what the viewer may see. Returns whether signals are available
 * in this app at all.
 */
export function useSignalChannels(
  channels: string[],
  onMessage: () => void,
): boolean {
  const signalApi = useApiHolder().get(signalApiRef);
  const callback = useRef(onMessage);
  callback.current = onMessage;
  const key = [...new Set(channels)].sort().join('\n');

  useEffect(() => {
    if (!signalApi || !key) return undefined;
    const subscriptions = key
      .split('\n')
      .map(channel => signalApi.subscribe(channel, () => callback.current()));
    return () => subscriptions.forEach(s => s.unsubscribe());
  }, [signalApi, key]);

  return Boolean(signalApi);
}
