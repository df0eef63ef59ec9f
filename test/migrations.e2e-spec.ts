import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CreateSessionsTable1732500000000, SESSION_MIGRATIONS, SessionEntity } from '../src/typeorm';
import { PLATFORMS, type Platform } from './utils/platforms';
import { TEST_SECRET } from './utils/sample-app';
import { startSampleServer, type SampleServer } from './utils/sample-server';
import { hashSessionId, signedSessionCookie } from './utils/session-cookie';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

const ALICE_USER = { id: '1', username: 'alice', roles: ['user'] };

/** A session stored before the second migration, with the cookie its browser still holds. */
interface LegacySession {
  cookie: string;
  idHash: string;
  userAgent: string;
}

/** The sessions one platform's tests use: alice on two devices, and an anonymous shopper. */
interface LegacySessions {
  laptop: LegacySession;
  phone: LegacySession;
  shopper: LegacySession;
}

describe('upgrading a database from the first session migration', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const legacy = {} as Record<Platform, LegacySessions>;
  let secondMigrationRan: string[];

  /** Inserts a row with only the columns of the first migration, as the previous version wrote it. */
  async function insertLegacySession(
    data: Record<string, unknown>,
    userId: string | null,
    userAgent: string,
    createdAgo: string,
  ): Promise<LegacySession> {
    const id = randomBytes(32).toString('base64url');
    const idHash = hashSessionId(id);
    await dataSource.query(
      `INSERT INTO sessions (id_hash, data, user_id, ip, user_agent, created_at, last_active_at, expires_at, absolute_expires_at)
       VALUES ($1, $2::jsonb, $3, '203.0.113.9', $4, now() - $5::interval, now() - interval '1 minute',
               now() + interval '1 hour', now() + interval '1 day')`,
      [idHash, JSON.stringify(data), userId, userAgent, createdAgo],
    );
    return { cookie: signedSessionCookie(id, TEST_SECRET), idHash, userAgent };
  }

  beforeAll(async () => {
    db = await createTestDatabase('migrations');
    dataSource = await new DataSource({
      type: 'postgres',
      url: db.url,
      migrations: [CreateSessionsTable1732500000000],
    }).initialize();
    await dataSource.runMigrations();
    for (const platform of PLATFORMS) {
      const loggedIn = { __user: ALICE_USER, cart: ['socks'] };
      legacy[platform] = {
        laptop: await insertLegacySession(loggedIn, '1', `Laptop (${platform})`, '2 hours'),
        phone: await insertLegacySession(loggedIn, '1', `Phone (${platform})`, '3 hours'),
        shopper: await insertLegacySession({ cart: ['hat'] }, null, `Shopper (${platform})`, '1 hour'),
      };
    }
    await dataSource.destroy();

    // The upgrade: the same database, now with every migration the package ships.
    dataSource = await new DataSource({ type: 'postgres', url: db.url, migrations: SESSION_MIGRATIONS }).initialize();
    secondMigrationRan = (await dataSource.runMigrations()).map((migration) => migration.name);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('runs only the migrations that came after the first', () => {
    expect(secondMigrationRan).toEqual([
      'AddSessionHandlesAndTenants1732600000000',
      'TuneSessionsTable1732700000000',
      'AddPreviousIdHash1733000000000',
      'AddSessionVersion1734000000000',
    ]);
  });

  it('gives every existing row a unique handle, no tenant, and id_issued_at = created_at', async () => {
    const [summary] = await dataSource.query(
      `SELECT count(*)::int AS rows, count(DISTINCT handle)::int AS handles,
              bool_and(handle ~ '^[A-Za-z0-9_-]{22}$') AS well_formed,
              bool_and(tenant = '') AS no_tenant,
              bool_and(id_issued_at = created_at) AS issued_at_creation
       FROM sessions`,
    );
    expect(summary).toEqual({
      rows: 3 * PLATFORMS.length,
      handles: 3 * PLATFORMS.length,
      well_formed: true,
      no_tenant: true,
      issued_at_creation: true,
    });
  });

  it('keeps the data, user, client and times of every row', async () => {
    const { laptop } = legacy[PLATFORMS[0]];
    const [row] = await dataSource.query(
      `SELECT data, user_id, ip, user_agent, created_at < now() - interval '119 minutes' AS created_earlier
       FROM sessions WHERE id_hash = $1`,
      [laptop.idHash],
    );
    expect(row).toEqual({
      data: { __user: ALICE_USER, cart: ['socks'] },
      user_id: '1',
      ip: '203.0.113.9',
      user_agent: laptop.userAgent,
      created_earlier: true,
    });
  });

  describe.each(PLATFORMS)('the sample app on %s, after the upgrade', (platform) => {
    let server: SampleServer;
    let sessions: LegacySessions;

    /** The handle the migration gave a row. */
    async function handleOf(session: LegacySession): Promise<string> {
      const [{ handle }] = await dataSource.query('SELECT handle FROM sessions WHERE id_hash = $1', [session.idHash]);
      return handle;
    }

    beforeAll(async () => {
      sessions = legacy[platform];
      server = await startSampleServer(db.url, { platform });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('serves the logged-in sessions stored before the upgrade, with their data', async () => {
      const laptop = server.agent(sessions.laptop.cookie);
      await laptop.get('/profile').expect(200, { userId: '1', username: 'alice', roles: ['user'] });
      await laptop.get('/cart').expect(200, { cart: ['socks'] });
    });

    it("lists them with their migrated handles as ids, and marks the request's own as current", async () => {
      const response = await server.agent(sessions.laptop.cookie).get('/sessions').expect(200);
      const mine = (response.body.sessions as Array<{ id: string; userAgent: string; current: boolean }>)
        .filter((listed) => listed.userAgent.endsWith(`(${platform})`))
        .map(({ id, userAgent, current }) => ({ id, userAgent, current }));
      expect(mine).toEqual(
        expect.arrayContaining([
          { id: await handleOf(sessions.laptop), userAgent: sessions.laptop.userAgent, current: true },
          { id: await handleOf(sessions.phone), userAgent: sessions.phone.userAgent, current: false },
        ]),
      );
      expect(mine).toHaveLength(2);
    });

    it('revokes a migrated session by its handle', async () => {
      const phone = server.agent(sessions.phone.cookie);
      await phone.get('/profile').expect(200);
      await server
        .agent(sessions.laptop.cookie)
        .delete(`/sessions/${await handleOf(sessions.phone)}`)
        .expect(200);
      await server.agent(sessions.phone.cookie).get('/profile').expect(401);
      await server.agent(sessions.laptop.cookie).get('/profile').expect(200);
    });

    it('logs an anonymous migrated session in, keeping its data and its handle', async () => {
      const handle = await handleOf(sessions.shopper);
      const shopper = server.agent(sessions.shopper.cookie);
      await shopper.post('/login').send({ username: 'alice', password: 'alice-pass-123' }).expect(200);
      expect(shopper.cookie).not.toBe(sessions.shopper.cookie);
      await shopper.get('/cart').expect(200, { cart: ['hat'] });
      const listed = await shopper.get('/sessions').expect(200);
      expect(listed.body.sessions).toContainEqual(expect.objectContaining({ id: handle, current: true }));
    });
  });
});

describe('moving from synchronize to the migrations', () => {
  let db: TestDatabase;
  const dataSources: DataSource[] = [];

  async function open(options: Record<string, unknown>): Promise<DataSource> {
    const dataSource = await new DataSource({ type: 'postgres', url: db.url, ...options }).initialize();
    dataSources.push(dataSource);
    return dataSource;
  }

  /** The session table of `schema` as information_schema and pg_indexes describe it, the schema's name left out. */
  async function tableShape(dataSource: DataSource, schema: string): Promise<unknown> {
    const columns = await dataSource.query(
      `SELECT column_name, data_type, is_nullable, column_default, character_maximum_length
       FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'sessions' ORDER BY column_name`,
      [schema],
    );
    const indexes = await dataSource.query(
      `SELECT indexname, replace(indexdef, $1, 'SCHEMA') AS indexdef
       FROM pg_indexes WHERE schemaname = $1 AND tablename = 'sessions' ORDER BY indexname`,
      [schema],
    );
    return { columns, indexes };
  }

  beforeAll(async () => {
    db = await createTestDatabase('sync_to_migrations');
    // TypeORM keeps its migrations table in the DataSource's schema, so that schema must exist first.
    await (await open({})).query('CREATE SCHEMA synced; CREATE SCHEMA migrated');
  });
  afterAll(async () => {
    await Promise.all(dataSources.map((dataSource) => dataSource.destroy()));
    await db?.drop();
  });

  it("runs every migration on the table synchronize made, in the entity's schema, and both give the same table", async () => {
    const synced = await open({ schema: 'synced', entities: [SessionEntity], synchronize: true });
    await synced.query(
      `INSERT INTO synced.sessions (id_hash, handle, created_at, last_active_at, expires_at, absolute_expires_at, id_issued_at)
       VALUES ('a', 'handle-a', now(), now(), now() + interval '1 hour', now() + interval '1 day', now())`,
    );
    const afterSync = await tableShape(synced, 'synced');
    const upgraded = await open({ schema: 'synced', entities: [SessionEntity], migrations: SESSION_MIGRATIONS });
    const ran = (await upgraded.runMigrations()).map((migration) => migration.name);
    expect(ran).toHaveLength(SESSION_MIGRATIONS.length);
    expect(await tableShape(upgraded, 'synced')).toEqual(afterSync);
    expect(await upgraded.query('SELECT handle FROM synced.sessions')).toEqual([{ handle: 'handle-a' }]);

    const migrated = await open({ schema: 'migrated', entities: [SessionEntity], migrations: SESSION_MIGRATIONS });
    await migrated.runMigrations();
    expect(await tableShape(migrated, 'migrated')).toEqual(afterSync);
    expect(afterSync).toMatchObject({ columns: { length: 16 }, indexes: { length: 5 } });
  });
});
