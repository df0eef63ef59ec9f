import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Leaves room on each page of `sessions` so that an update changing only data or last activity
 * (not an indexed column) is a HOT update, written in place without touching the four indexes.
 */
export class TuneSessionsTable1732700000000 implements MigrationInterface {
  name = 'TuneSessionsTable1732700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" SET (fillfactor = 80)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" RESET (fillfactor)`);
  }
}
