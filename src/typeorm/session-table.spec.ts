import type { DataSource } from 'typeorm';
import { SessionConfigurationError } from '../core/session.errors';
import { resolveSessionTable } from './session-table';

/** The part of a DataSource the resolution reads: SessionEntity's metadata, if registered, and the `schema` option. */
function dataSourceWith(entity?: { tableName: string; schema?: string }, schema?: string): DataSource {
  return {
    options: { type: 'postgres', schema },
    hasMetadata: () => entity !== undefined,
    getMetadata: () => entity,
  } as unknown as DataSource;
}

describe('resolveSessionTable', () => {
  it('is the unqualified sessions table by default, on the channel earlier versions used', () => {
    expect(resolveSessionTable(dataSourceWith())).toEqual({
      name: 'sessions',
      schema: null,
      isDefault: true,
      path: '"sessions"',
      channel: 'nest_sessions_changes',
    });
  });

  it("follows SessionEntity's table, then the DataSource's schema", () => {
    expect(resolveSessionTable(dataSourceWith({ tableName: 'sessions', schema: 'app' })).path).toBe('"app"."sessions"');
    expect(resolveSessionTable(dataSourceWith(undefined, 'tenant')).path).toBe('"tenant"."sessions"');
  });

  it('lets the options win, quoting what they name', () => {
    const table = resolveSessionTable(dataSourceWith({ tableName: 'sessions', schema: 'app' }), {
      schema: 'We"ird',
      tableName: 'user_sessions',
    });
    expect(table).toMatchObject({ path: '"We""ird"."user_sessions"', isDefault: false });
    expect(table.channel).toBe('nest_sessions_changes:We"ird.user_sessions');
  });

  it('keeps a long channel name within PostgreSQL 63 bytes, distinct per table', () => {
    const long = (name: string) => resolveSessionTable(dataSourceWith(), { schema: 'a'.repeat(40), tableName: name });
    expect(Buffer.byteLength(long('one').channel)).toBeLessThanOrEqual(63);
    expect(long('one').channel).not.toBe(long('two').channel);
  });

  it('refuses an empty name', () => {
    expect(() => resolveSessionTable(dataSourceWith(), { tableName: '' })).toThrow(SessionConfigurationError);
  });
});
