import type { QueryRunner } from 'typeorm';
import { SessionTableMigration } from './session-table-migration';

/**
 * Adds what listing and revoking a user's sessions needs: an opaque `handle` per session,
 * the `tenant`, when the current ID was issued (`id_issued_at`, for renewal), and an index
 * on (tenant, user_id) in place of the one on user_id.
 */
export class AddSessionHandlesAndTenants1732600000000 extends SessionTableMigration {
  name = 'AddSessionHandlesAndTenants1732600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { path, index } = this.table(queryRunner);
    const hadHandles = await hasColumn(queryRunner, path, 'handle');
    await queryRunner.query(`ALTER TABLE ${path} ADD COLUMN IF NOT EXISTS "handle" character varying(32)`);
    await queryRunner.query(`ALTER TABLE ${path} ADD COLUMN IF NOT EXISTS "tenant" text NOT NULL DEFAULT ''`);
    await queryRunner.query(`ALTER TABLE ${path} ADD COLUMN IF NOT EXISTS "id_issued_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      // 128 strong random bits (gen_random_uuid uses the server's secure random source), as new handles have.
      `UPDATE ${path} SET "id_issued_at" = COALESCE("id_issued_at", "created_at"), "handle" = COALESCE("handle", ` +
        `substr(translate(encode(decode(replace(gen_random_uuid()::text, '-', ''), 'hex'), 'base64'), '+/', '-_'), 1, 22)) ` +
        `WHERE "handle" IS NULL OR "id_issued_at" IS NULL`,
    );
    await queryRunner.query(`ALTER TABLE ${path} ALTER COLUMN "handle" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE ${path} ALTER COLUMN "id_issued_at" SET NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX IF NOT EXISTS "UQ_sessions_handle" ON ${path} ("handle")`);
    await queryRunner.query(`DROP INDEX IF EXISTS ${index('IDX_sessions_user_id')}`);
    if (!hadHandles) {
      // A table that already had handles (synchronize made it) has its final index, which a later step makes.
      await queryRunner.query(
        `CREATE INDEX IF NOT EXISTS "IDX_sessions_tenant_user_id" ON ${path} ("tenant", "user_id")`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const { path, index } = this.table(queryRunner);
    await queryRunner.query(`DROP INDEX ${index('IDX_sessions_tenant_user_id')}`);
    await queryRunner.query(`CREATE INDEX "IDX_sessions_user_id" ON ${path} ("user_id")`);
    await queryRunner.query(`DROP INDEX ${index('UQ_sessions_handle')}`);
    await queryRunner.query(`ALTER TABLE ${path} DROP COLUMN "id_issued_at"`);
    await queryRunner.query(`ALTER TABLE ${path} DROP COLUMN "tenant"`);
    await queryRunner.query(`ALTER TABLE ${path} DROP COLUMN "handle"`);
  }
}

async function hasColumn(queryRunner: QueryRunner, path: string, column: string): Promise<boolean> {
  const rows = await queryRunner.query(
    `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = $2 AND NOT attisdropped) AS found`,
    [path, column],
  );
  return rows[0].found;
}
