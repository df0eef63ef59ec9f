import type { INestApplication } from '@nestjs/common';
import connectPgSimple from 'connect-pg-simple';
import session from 'express-session';
import type { AppConfig } from '../protocol';
import { createPeerApp } from './peer-session.controller';

/** The peer on PostgreSQL: connect-pg-simple. Its pg pool is pg's default, 10 connections: `PEER_POOL_SIZE`, which the module's apps use too. */
export async function createExpressSessionApp(config: AppConfig): Promise<INestApplication> {
  const PgStore = connectPgSimple(session);
  return createPeerApp(
    new PgStore({
      conString: config.databaseUrl,
      tableName: 'session_peer',
      createTableIfMissing: true,
    }),
  );
}
