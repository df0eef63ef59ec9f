import type { SessionHttpRequest } from '../http/platform/http-platform';

/** What a socket.io socket keeps of its handshake. */
export interface SocketIoHandshake {
  headers: SessionHttpRequest['headers'];
  address?: string;
  /** The client's `auth` payload (`io(url, { auth: { token } })`). */
  auth?: { token?: unknown };
}

/** The upgrade request of a `ws` connection (Node's `IncomingMessage`), as far as sessions need it. */
export interface UpgradeRequest {
  headers: SessionHttpRequest['headers'];
  socket?: { remoteAddress?: string };
}

/**
 * The request a WebSocket's session is loaded from: the socket.io handshake's headers and peer
 * address, with `auth.token` as an `Authorization: Bearer` header (unless the handshake has one),
 * or a `ws` connection's upgrade request. Null when there is neither.
 */
export function handshakeRequest(
  handshake: SocketIoHandshake | undefined,
  upgrade?: UpgradeRequest,
): SessionHttpRequest | null {
  if (handshake) {
    const headers = { ...handshake.headers };
    const token = handshake.auth?.token;
    if (typeof token === 'string' && token !== '' && headers.authorization === undefined) {
      headers.authorization = `Bearer ${token}`;
    }
    return { headers, socket: { remoteAddress: handshake.address } };
  }
  return upgrade ? { headers: upgrade.headers, socket: { remoteAddress: upgrade.socket?.remoteAddress } } : null;
}
