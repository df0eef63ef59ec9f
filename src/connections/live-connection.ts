import type { SocketIoHandshake, UpgradeRequest } from './handshake-request';

/**
 * The close code a `ws` connection gets when its session ends: 4401 ("unauthorized", in the range
 * RFC 6455 leaves to applications, as graphql-ws uses it), so a client can tell it from a network
 * failure and log in again instead of reconnecting with the same credentials.
 */
export const SESSION_ENDED_CLOSE_CODE = 4401;

/** The close reason sent with {@link SESSION_ENDED_CLOSE_CODE}. */
export const SESSION_ENDED_REASON = 'session ended';

/** A socket.io server-side socket, as far as the connection tracker uses it. */
export interface SocketIoClient {
  handshake: SocketIoHandshake;
  disconnected?: boolean;
  disconnect(close?: boolean): unknown;
  once(event: 'disconnect', listener: () => void): unknown;
}

/** A `ws` server-side WebSocket, as far as the connection tracker uses it. */
export interface WsClient {
  readyState: number;
  close(code?: number, reason?: string): void;
  once(event: 'close', listener: () => void): unknown;
}

/** A connection `SessionConnections.attach()` accepts: a socket.io socket or a `ws` WebSocket. */
export type LiveClient = SocketIoClient | WsClient;

/** What the tracker needs of a connection: how to end it, and to hear that it ended. */
export interface LiveConnection {
  readonly ended: boolean;
  end(): void;
  onEnded(listener: () => void): void;
  /** The request its session is loaded from. */
  readonly upgrade: UpgradeRequest | undefined;
  readonly handshake: SocketIoHandshake | undefined;
}

const WS_CLOSING = 2;

function isSocketIo(client: LiveClient): client is SocketIoClient {
  return typeof (client as Partial<SocketIoClient>).handshake === 'object';
}

/** Wraps a socket.io socket (`disconnect(true)` closes its transport) or a `ws` WebSocket (closed with 4401). */
export function liveConnectionOf(client: LiveClient, upgrade?: UpgradeRequest): LiveConnection {
  if (isSocketIo(client)) {
    return {
      get ended() {
        return client.disconnected === true;
      },
      end: () => client.disconnect(true),
      onEnded: (listener) => client.once('disconnect', listener),
      upgrade,
      handshake: client.handshake,
    };
  }
  return {
    get ended() {
      return client.readyState >= WS_CLOSING;
    },
    end: () => client.close(SESSION_ENDED_CLOSE_CODE, SESSION_ENDED_REASON),
    onEnded: (listener) => client.once('close', listener),
    upgrade,
    handshake: undefined,
  };
}
