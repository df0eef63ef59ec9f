import type { QueryRunner } from 'typeorm';
import { SessionTableMigration } from './session-table-migration';

/**
 * Lets a renewed session still be found, for a few seconds, under the ID it had: requests sent
 * with the old cookie before the renewal answered (a logout, a login) act on the session instead
 * of missing it. Also indexes sessions by user first, so a user's sessions are found in every
 * tenant at once.
 */
export class AddPreviousIdHash1733000000000 extends SessionTableMigration {
  name = 'AddPreviousIdHash1733000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { path, index } = this.table(queryRunner);
    await queryRunner.query(`ALTER TABLE ${path} ADD COLUMN IF NOT EXISTS "previous_id_hash" character varying(64)`);
    await queryRunner.query(
      `ALTER TABLE ${path} ADD COLUMN IF NOT EXISTS "previous_id_expires_at" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "IDX_sessions_previous_id_hash" ON ${path} ("previous_id_hash")`,
    );
    await queryRunner.query(`DROP INDEX IF EXISTS ${index('IDX_sessions_tenant_user_id')}`);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "IDX_sessions_user_id_tenant" ON ${path} ("user_id", "tenant")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const { path, index } = this.table(queryRunner);
    await queryRunner.query(`DROP INDEX ${index('IDX_sessions_user_id_tenant')}`);
    await queryRunner.query(`CREATE INDEX "IDX_sessions_tenant_user_id" ON ${path} ("tenant", "user_id")`);
    await queryRunner.query(`DROP INDEX ${index('IDX_sessions_previous_id_hash')}`);
    await queryRunner.query(`ALTER TABLE ${path} DROP COLUMN "previous_id_expires_at"`);
    await queryRunner.query(`ALTER TABLE ${path} DROP COLUMN "previous_id_hash"`);
  }
}
