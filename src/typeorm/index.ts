/** nest-sessions/typeorm: the PostgreSQL session store on a TypeORM DataSource, its entity and migrations. */
export { TypeOrmSessionStore, type TypeOrmSessionStoreOptions } from './typeorm-session.store';
export type { SessionTableOptions } from './session-table';
export { SessionEntity } from './session.entity';
export { exportSessions, type ExportSessionsOptions } from './session-export';
export { exportExpressSessions, type ExportExpressSessionsOptions } from './express-session-export';
export type { ExpressSessionData, ExpressSessionMapping } from './express-session-mapping';
export { SESSION_MIGRATIONS, sessionMigrations } from './migrations/session-migrations';
export { CreateSessionsTable1732500000000 } from './migrations/create-sessions-table.migration';
export { AddSessionHandlesAndTenants1732600000000 } from './migrations/add-session-handles-and-tenants.migration';
export { TuneSessionsTable1732700000000 } from './migrations/tune-sessions-table.migration';
export { AddPreviousIdHash1733000000000 } from './migrations/add-previous-id-hash.migration';
export { AddSessionVersion1734000000000 } from './migrations/add-session-version.migration';
