import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Adds what listing and revoking a user's sessions needs: an opaque `handle` per session,
 * the `tenant`, when the current ID was issued (`id_issued_at`, for renewal), and an index
 * on (tenant, user_id) in place of the one on user_id.
 */
export class AddSessionHandlesAndTenants1732600000000 implements MigrationInterface {
  name = 'AddSessionHandlesAndTenants1732600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" ADD "handle" character varying(32)`);
    await queryRunner.query(`ALTER TABLE "sessions" ADD "tenant" text NOT NULL DEFAULT ''`);
    await queryRunner.query(`ALTER TABLE "sessions" ADD "id_issued_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      // 128 strong random bits (gen_random_uuid uses the server's secure random source), as new handles have.
      `UPDATE "sessions" SET "id_issued_at" = "created_at", "handle" = substr(translate(encode(decode(` +
        `replace(gen_random_uuid()::text, '-', ''), 'hex'), 'base64'), '+/', '-_'), 1, 22)`,
    );
    await queryRunner.query(`ALTER TABLE "sessions" ALTER COLUMN "handle" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "sessions" ALTER COLUMN "id_issued_at" SET NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_sessions_handle" ON "sessions" ("handle")`);
    await queryRunner.query(`DROP INDEX "IDX_sessions_user_id"`);
    await queryRunner.query(`CREATE INDEX "IDX_sessions_tenant_user_id" ON "sessions" ("tenant", "user_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_sessions_tenant_user_id"`);
    await queryRunner.query(`CREATE INDEX "IDX_sessions_user_id" ON "sessions" ("user_id")`);
    await queryRunner.query(`DROP INDEX "UQ_sessions_handle"`);
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "id_issued_at"`);
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "tenant"`);
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "handle"`);
  }
}
