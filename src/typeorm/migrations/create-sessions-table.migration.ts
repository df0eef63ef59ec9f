import type { QueryRunner } from 'typeorm';
import { SessionTableMigration } from './session-table-migration';

/**
 * Creates the session table and its indexes: by ID hash (primary key), by user and by expiry
 * (cleanup). Leaves a table that exists alone (one `synchronize` made, say).
 */
export class CreateSessionsTable1732500000000 extends SessionTableMigration {
  name = 'CreateSessionsTable1732500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { path, schema } = this.table(queryRunner);
    if (schema !== null) {
      await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    }
    const existed = await queryRunner.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [path]);
    if (existed[0].found) {
      return;
    }
    await queryRunner.query(`
      CREATE TABLE ${path} (
        "id_hash" character varying(64) NOT NULL,
        "data" jsonb NOT NULL DEFAULT '{}',
        "user_id" text,
        "ip" text,
        "user_agent" text,
        "lifetime_ms" bigint,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "last_active_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "absolute_expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_sessions" PRIMARY KEY ("id_hash")
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_sessions_user_id" ON ${path} ("user_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_sessions_expires_at" ON ${path} ("expires_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${this.table(queryRunner).path}`);
  }
}
