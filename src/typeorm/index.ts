/** nest-sessions/typeorm: the PostgreSQL session store on a TypeORM DataSource, its entity and migrations. */
export { TypeOrmSessionStore } from './typeorm-session.store';
export { SessionEntity } from './session.entity';
export { exportSessions, type ExportSessionsOptions } from './session-export';
export { SESSION_MIGRATIONS } from './migrations/session-migrations';
export { CreateSessionsTable1732500000000 } from './migrations/create-sessions-table.migration';
export { AddSessionHandlesAndTenants1732600000000 } from './migrations/add-session-handles-and-tenants.migration';
export { TuneSessionsTable1732700000000 } from './migrations/tune-sessions-table.migration';
export { AddPreviousIdHash1733000000000 } from './migrations/add-previous-id-hash.migration';
