import { Logger } from '@nestjs/common';
import { type OnGatewayConnection, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { Session, SessionConnections } from '../src';

/**
 * socket.io on the app's own port (path `/socket.io`). The handshake is authenticated by the
 * session cookie or `auth: { token }` (from `POST /api/login`); anonymous sockets are welcome. A
 * socket is disconnected within 2 seconds of its session ending on any instance: logout,
 * revocation, expiry, password change.
 */
@WebSocketGateway({ path: '/socket.io' })
export class LiveGateway implements OnGatewayConnection {
  private readonly logger = new Logger(LiveGateway.name);

  constructor(private readonly connections: SessionConnections) {}

  async handleConnection(socket: Socket): Promise<void> {
    try {
      await this.connections.attach(socket);
    } catch (error) {
      // The store cannot be reached: the socket cannot be watched, so it is not kept.
      this.logger.warn(`Refused a socket: ${error instanceof Error ? error.message : String(error)}`);
      socket.disconnect(true);
    }
  }

  /** Acknowledged with `{"userId"}`, null when anonymous; each message reads the session anew. */
  @SubscribeMessage('whoami')
  whoami(@Session() session: Session): { userId: string | null } {
    return { userId: session.user?.id ?? null };
  }
}
