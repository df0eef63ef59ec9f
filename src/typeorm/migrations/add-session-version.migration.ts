import type { QueryRunner } from 'typeorm';
import { SessionTableMigration } from './session-table-migration';

/**
 * Counts each session's writes, so a write based on a cached copy applies only if no other write
 * came first (the `cache` option); 0 for the sessions already stored.
 */
export class AddSessionVersion1734000000000 extends SessionTableMigration {
  name = 'AddSessionVersion1734000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { path } = this.table(queryRunner);
    await queryRunner.query(`ALTER TABLE ${path} ADD COLUMN IF NOT EXISTS "version" integer NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${this.table(queryRunner).path} DROP COLUMN "version"`);
  }
}
