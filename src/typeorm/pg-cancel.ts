import { connect } from 'node:net';

/** What PostgreSQL needs to cancel a backend's running statement: where it is, and the key it gave at start-up. */
export interface CancelTarget {
  host?: string;
  port?: number;
  processID: number | null;
  secretKey: number | null;
}

/** The protocol's CancelRequest code (1234 << 16 | 5678). */
const CANCEL_REQUEST_CODE = 80877102;

/**
 * Asks PostgreSQL to cancel what the backend behind `target` is running, the way libpq's PQcancel
 * does: a CancelRequest on a connection of its own. Dropping the client's socket is not enough: a
 * backend waiting on a lock, or still executing, goes on and may apply the statement later.
 * Best effort: resolves when the server closed the connection or after `timeout` ms, never rejects.
 */
export function sendCancelRequest(target: CancelTarget, timeout: number): Promise<void> {
  const { host = 'localhost', port = 5432, processID, secretKey } = target;
  if (processID === null || secretKey === null) {
    return Promise.resolve();
  }
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
  packet.writeInt32BE(processID, 8);
  packet.writeInt32BE(secretKey, 12);
  return new Promise((resolve) => {
    const socket = host.startsWith('/') ? connect(`${host}/.s.PGSQL.${port}`) : connect(port, host);
    socket.setTimeout(timeout, () => socket.destroy());
    socket.once('connect', () => socket.end(packet));
    socket.once('error', () => socket.destroy());
    socket.once('close', () => resolve());
    socket.unref();
  });
}
