import { Client, type PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { MemorySessionStore } from '../src';
import { TypeOrmSessionStore } from '../src/typeorm';
import { createMigratedDataSource } from './utils/migrated-data-source';
import { describeSessionStore, NOW, randomIdHash, storedSession } from '../src/testing';
import { createTestDatabase, TestDatabase } from './utils/test-database';

let db: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  db = await createTestDatabase('typeorm_store');
  dataSource = await createMigratedDataSource(db.url);
});

afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

describeSessionStore(
  'TypeOrmSessionStore',
  async () => {
    await dataSource.query('TRUNCATE sessions');
    return new TypeOrmSessionStore(dataSource);
  },
  // Another instance's store: its own LISTEN connection.
  { sameBackEnd: () => new TypeOrmSessionStore(dataSource) },
);

describeSessionStore('MemorySessionStore', () => new MemorySessionStore());

describe('TypeOrmSessionStore in PostgreSQL', () => {
  let store: TypeOrmSessionStore;

  beforeEach(async () => {
    await dataSource.query('TRUNCATE sessions');
    store = new TypeOrmSessionStore(dataSource);
  });

  it('writes real timestamps and the lifetime in milliseconds to their columns', async () => {
    const idHash = randomIdHash();
    await store.create(idHash, storedSession({ lifetime: 86_400_000 }), { now: NOW });
    const [row] = await dataSource.query(
      `SELECT to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS expires_at, lifetime_ms
       FROM sessions WHERE id_hash = $1`,
      [idHash],
    );
    expect(row).toEqual({ expires_at: new Date(NOW + 3_600_000).toISOString().slice(0, -1), lifetime_ms: '86400000' });
  });

  it('adds one error listener to a pooled connection, however many stores share the DataSource', async () => {
    const stores = Array.from({ length: 15 }, () => new TypeOrmSessionStore(dataSource));
    for (const each of stores) {
      await each.get(randomIdHash());
    }
    const pool = (dataSource.driver as unknown as { master: { connect(): Promise<PoolClient> } }).master;
    const client = await pool.connect();
    try {
      expect(client.listenerCount('error')).toBeLessThanOrEqual(2);
    } finally {
      client.release();
    }
  });

  it('refuses a second session with the same handle, so a handle names one session only', async () => {
    const first = storedSession({ userId: 'u1' });
    await store.create(randomIdHash(), first, { now: NOW });
    await expect(store.create(randomIdHash(), storedSession({ handle: first.handle }), { now: NOW })).rejects.toThrow(
      /UQ_sessions_handle/,
    );
  });

  it('deleteExpired skips rows that another transaction has locked, and gets them later', async () => {
    const locked = randomIdHash();
    await store.create(locked, storedSession({ expiresAt: NOW - 1 }), { now: NOW });
    await Promise.all(
      [1, 2, 3].map(() => store.create(randomIdHash(), storedSession({ expiresAt: NOW - 1 }), { now: NOW })),
    );
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT 1 FROM sessions WHERE id_hash = $1 FOR UPDATE', [locked]);

      await expect(store.deleteExpired(NOW, 10)).resolves.toBe(3);

      await other.query('COMMIT');
      await expect(store.deleteExpired(NOW, 10)).resolves.toBe(1);
    } finally {
      await other.end();
    }
  });

  it('deleteExpired resolves to null while another instance holds the cleanup lock', async () => {
    await store.create(randomIdHash(), storedSession({ expiresAt: NOW - 1 }), { now: NOW });
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`SELECT pg_advisory_xact_lock(hashtext('nest-sessions:cleanup'))`);
      await expect(store.deleteExpired(NOW, 10)).resolves.toBeNull();
      await other.query('COMMIT');
      await expect(store.deleteExpired(NOW, 10)).resolves.toBe(1);
    } finally {
      await other.end();
    }
  });
});
