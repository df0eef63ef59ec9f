import type { QueryRunner } from 'typeorm';
import { SessionTableMigration } from './session-table-migration';

/**
 * Leaves room on each page of the session table so that an update changing only data or last
 * activity (not an indexed column) is a HOT update, written in place without touching the indexes.
 */
export class TuneSessionsTable1732700000000 extends SessionTableMigration {
  name = 'TuneSessionsTable1732700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${this.table(queryRunner).path} SET (fillfactor = 80)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${this.table(queryRunner).path} RESET (fillfactor)`);
  }
}
