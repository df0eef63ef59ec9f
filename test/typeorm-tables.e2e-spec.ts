import { DataSource } from 'typeorm';
import type { SessionChangeSubscription } from '../src';
import { NOW, randomIdHash, storedSession } from '../src/testing/fixtures';
import { exportSessions, SESSION_MIGRATIONS, sessionMigrations, TypeOrmSessionStore } from '../src/typeorm';
import { createTestDatabase, type TestDatabase } from './utils/test-database';
import { waitUntil } from './utils/wait-until';

/** Two session tables in one database, on one DataSource: the default one and `auth.user_sessions`. */
describe('TypeOrmSessionStore on a table of its own', () => {
  const TABLE = { schema: 'auth', tableName: 'user_sessions' };
  let db: TestDatabase;
  let dataSource: DataSource;
  let main: TypeOrmSessionStore;
  let auth: TypeOrmSessionStore;
  const heard = { main: [] as string[], auth: [] as string[] };
  const subscriptions: SessionChangeSubscription[] = [];
  const listening = { main: false, auth: false };

  beforeAll(async () => {
    db = await createTestDatabase('typeorm_tables');
    for (const [migrations, migrationsTableName] of [
      [SESSION_MIGRATIONS, 'migrations'],
      [sessionMigrations(TABLE), 'auth_migrations'],
    ] as const) {
      const migrator = await new DataSource({
        type: 'postgres',
        url: db.url,
        migrations,
        migrationsTableName,
      }).initialize();
      await migrator.runMigrations();
      await migrator.destroy();
    }
    dataSource = await new DataSource({ type: 'postgres', url: db.url, extra: { max: 1 } }).initialize();
    main = new TypeOrmSessionStore(dataSource);
    auth = new TypeOrmSessionStore(dataSource, TABLE);
    for (const [name, store] of [
      ['main', main],
      ['auth', auth],
    ] as const) {
      subscriptions.push(
        store.subscribeToChanges({
          changed: (handle) => heard[name].push(handle),
          listening: () => (listening[name] = true),
          interrupted: () => (listening[name] = false),
        }),
      );
    }
    await waitUntil(() => listening.main && listening.auth);
  });
  afterAll(async () => {
    await Promise.all(subscriptions.map((subscription) => subscription.close()));
    await dataSource?.destroy();
    await db?.drop();
  });

  it('keeps each store to its table, with both sharing one connection', async () => {
    const [mainSession, authSession] = [storedSession(), storedSession()];
    const [mainId, authId] = [randomIdHash(), randomIdHash()];
    await main.create(mainId, mainSession, { now: NOW });
    await auth.create(authId, authSession, { now: NOW });
    expect(await main.get(mainId)).toMatchObject({ handle: mainSession.handle });
    expect(await auth.get(authId)).toMatchObject({ handle: authSession.handle });
    expect(await main.get(authId)).toBeNull();
    expect(await auth.get(mainId)).toBeNull();
    const [{ count }] = await dataSource.query('SELECT count(*)::int AS count FROM auth.user_sessions');
    expect(count).toBe(1);
  });

  it("announces a table's changes only to the stores of that table", async () => {
    const [authSession, mainSession] = [storedSession(), storedSession()];
    await auth.create(randomIdHash(), authSession, { now: NOW });
    await main.create(randomIdHash(), mainSession, { now: NOW });
    await auth.destroy(authSession.handle);
    // Announced after the other table's change: had the channel been shared, this one would come second.
    await main.destroy(mainSession.handle);
    await waitUntil(() => heard.main.includes(mainSession.handle) && heard.auth.includes(authSession.handle));
    expect(heard.main).not.toContain(authSession.handle);
    expect(heard.auth).not.toContain(mainSession.handle);
  });

  it('exports the sessions of the table it is given', async () => {
    const session = storedSession();
    await auth.create(randomIdHash(), session, { now: NOW });
    const handles: string[] = [];
    for await (const batch of exportSessions(dataSource, { ...TABLE, now: NOW })) {
      handles.push(...batch.map((exported) => exported.session.handle));
    }
    expect(handles).toContain(session.handle);
    expect(handles).toHaveLength(Number((await dataSource.query('SELECT count(*) FROM auth.user_sessions'))[0].count));
  });
});
