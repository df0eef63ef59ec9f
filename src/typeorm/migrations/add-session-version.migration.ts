import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counts each session's writes, so a write based on a cached copy applies only if no other write
 * came first (the `cache` option); 0 for the sessions already stored.
 */
export class AddSessionVersion1734000000000 implements MigrationInterface {
  name = 'AddSessionVersion1734000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" ADD "version" integer NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "version"`);
  }
}
