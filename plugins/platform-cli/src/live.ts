/**
 * Backstage's signals channel, as the portal's browsers use it: a WebSocket at
 * `/api/signals` authenticated with the Backstage token (sent as the
 * subprotocol, as the signals frontend does), `{ action: 'subscribe', channel }`
 * messages, and `{ channel, message }` pushes. The platform publishes a
 * content-free ping on `platform:resource:<id>` for every change; the reader
 * then reads the resource through the API, whose permission check decides
 * what it sees.
 */

/** How long an opening handshake may take before it is tried again. */
const OPEN_TIMEOUT_MS = 2_000;
const MAX_BACKOFF_MS = 5_000;

export interface LiveChannelOptions {
  baseUrl: string;
  token: string;
  channels: string[];
  /** A push arrived on one of the channels. */
  onSignal(channel: string): void;
  /**
   * The connection opened again after it was lost: pushes may have been
   * missed, so read again.
   */
  onReconnect(): void;
  /** Something worth a line on stderr (lost connection, retrying). */
  onNotice(message: string): void;
}

export interface LiveChannel {
  /** Resolves once the first connection is open and subscribed. */
  ready: Promise<void>;
  close(): void;
}

function signalsUrl(baseUrl: string): string {
  const url = new URL(`${baseUrl}/api/signals`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/**
 * Subscribes to signal channels and keeps the subscription: reconnects with
 * backoff when the connection drops, and says so, so that the caller reads
 * again instead of trusting that nothing happened meanwhile.
 */
export function openLiveChannel(options: LiveChannelOptions): LiveChannel {
  const WebSocketImpl = (globalThis as { WebSocket?: typeof WebSocket })
    .WebSocket;
  if (!WebSocketImpl) {
    throw new Error(
      `Live updates need a Node.js with WebSocket (22 or later); this is ${process.version}`,
    );
  }
  const url = signalsUrl(options.baseUrl);
  let closed = false;
  let opened = false;
  let everOpened = false;
  let socket: WebSocket | undefined;
  let backoff = 250;
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>(resolve => {
    resolveReady = resolve;
  });

  const connect = () => {
    if (closed) return;
    opened = false;
    const ws = new WebSocketImpl(url, [options.token]);
    socket = ws;
    let abandoned = false;
    const handshake: { timer?: ReturnType<typeof setTimeout> } = {};
    /** Drops this socket and tries again after the backoff, once. */
    const retry = () => {
      if (abandoned) return;
      abandoned = true;
      clearTimeout(handshake.timer);
      if (closed) return;
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    };
    // The signals backend starts listening for upgrades on the first one it
    // sees, and leaves that first handshake unanswered: try again.
    handshake.timer = setTimeout(() => {
      if (opened) return;
      retry();
      try {
        ws.close();
      } catch {
        // already closing
      }
    }, OPEN_TIMEOUT_MS);
    ws.addEventListener('open', () => {
      if (abandoned) {
        ws.close();
        return;
      }
      clearTimeout(handshake.timer);
      opened = true;
      backoff = 250;
      for (const channel of options.channels) {
        ws.send(JSON.stringify({ action: 'subscribe', channel }));
      }
      if (everOpened) {
        options.onNotice('live updates: connected again');
        options.onReconnect();
      }
      everOpened = true;
      resolveReady();
    });
    ws.addEventListener('message', event => {
      if (abandoned) return;
      try {
        const data = JSON.parse(String(event.data));
        if (
          typeof data?.channel === 'string' &&
          options.channels.includes(data.channel)
        ) {
          options.onSignal(data.channel);
        }
      } catch {
        // not a signal
      }
    });
    ws.addEventListener('close', () => {
      if (closed || abandoned) return;
      if (opened) {
        options.onNotice('live updates: connection lost, reconnecting');
      }
      retry();
    });
    ws.addEventListener('error', () => {
      // 'close' follows and retries.
    });
  };
  connect();

  return {
    ready,
    close() {
      closed = true;
      socket?.close();
    },
  };
}
