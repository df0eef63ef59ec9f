import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Creates the `sessions` table and its indexes: by ID hash (primary key), by user and by expiry (cleanup). */
export class CreateSessionsTable1732500000000 implements MigrationInterface {
  name = 'CreateSessionsTable1732500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "sessions" (
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
    await queryRunner.query(`CREATE INDEX "IDX_sessions_user_id" ON "sessions" ("user_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_sessions_expires_at" ON "sessions" ("expires_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sessions"`);
  }
}
