import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, type INestApplication, UseGuards } from '@nestjs/common';
import { Args, Field, GraphQLModule, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { App } from 'supertest/types';
import type { DataSource } from 'typeorm';
import { Roles, Session, SessionAuthGuard, SessionModule, SessionStore } from '../src';
import { SessionEntity, TypeOrmSessionStore } from '../src/typeorm';
import { createMigratedDataSource } from './utils/migrated-data-source';
import { cookieOf, TEST_SECRET } from './utils/sample-app';
import { SESSION_COOKIE, sessionSetCookie, setCookieHeaders } from './utils/session-cookie';
import { sleep } from './utils/sleep';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

@ObjectType()
class UserModel {
  @Field()
  id!: string;

  @Field(() => [String])
  roles!: string[];
}

interface Counters {
  count: number;
  [tag: string]: unknown;
}

@Resolver()
class AccountResolver {
  @Mutation(() => Boolean)
  login(@Args('username') username: string, @Session() session: Session): boolean {
    session.login({ id: username, roles: username === 'root' ? ['admin'] : ['member'] });
    return true;
  }

  @Query(() => UserModel)
  @UseGuards(SessionAuthGuard)
  me(@Session() session: Session): UserModel {
    return session.user!;
  }

  @Query(() => String)
  @UseGuards(SessionAuthGuard)
  @Roles('admin')
  adminReport(): string {
    return 'for admins only';
  }

  @Mutation(() => Int)
  increment(@Session() session: Session<Counters>): number {
    const count = (session.get('count') ?? 0) + 1;
    session.set('count', count);
    return count;
  }

  /** Sets `name` in the session after `afterMs`, then works `thenMs` more (resolvers are rarely synchronous). */
  @Query(() => String)
  async tag(
    @Args('name') name: string,
    @Args('afterMs', { type: () => Int, defaultValue: 0 }) afterMs: number,
    @Args('thenMs', { type: () => Int, defaultValue: 0 }) thenMs: number,
    @Session() session: Session<Counters>,
  ): Promise<string> {
    await sleep(afterMs);
    session.set(name, true);
    await sleep(thenMs);
    return name;
  }

  @Query(() => [String])
  tags(@Session() session: Session<Counters>): string[] {
    return session.keys().filter((key) => session.get(key) === true);
  }
}

interface GraphQlResponse {
  status: number;
  data: Record<string, unknown> | null;
  errors: Array<{ message: string; extensions?: Record<string, unknown> }> | undefined;
  /** The session cookie this response set, as `__Host-sid=...`. */
  cookie: string | undefined;
  setCookies: string[];
}

/**
 * The GraphQL server of each HTTP platform: Nest's Apollo driver on Express, its Mercurius driver on Fastify.
 * (Mercurius 16.10 loads @fastify/static 10, whose ESM-only content-disposition jest.config.js lists among the
 * packages made CommonJS for Jest on Node 20.)
 */
const GRAPHQL_SERVERS = [
  {
    name: 'Apollo on Express',
    platform: 'express',
    /** Nest's Apollo driver turns an HttpException into a coded error, keeping its status. */
    httpError: (code: string, statusCode: number) => ({ extensions: { code, originalError: { statusCode } } }),
    graphQlModule: (): DynamicModule =>
      GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true, graphiql: false }),
  },
  {
    name: 'Mercurius on Fastify',
    platform: 'fastify',
    /** Nest's Mercurius driver passes an HttpException's message on, and nothing else. */
    httpError: (): object => ({}),
    graphQlModule: (): DynamicModule =>
      GraphQLModule.forRoot<MercuriusDriverConfig>({
        driver: MercuriusDriver,
        autoSchemaFile: true,
        graphiql: false,
        // Mercurius loads its query cache with a dynamic import(), which Jest's CommonJS runtime cannot run.
        cache: false,
      }),
  },
] as const;

describe.each(GRAPHQL_SERVERS)('Sessions in GraphQL resolvers ($name)', ({ platform, graphQlModule, httpError }) => {
  const unauthenticated = { message: 'You need to log in', ...httpError('UNAUTHENTICATED', 401) };

  let db: TestDatabase;
  let dataSource: DataSource;
  let app: INestApplication<App>;

  async function graphql(query: string, cookie?: string): Promise<GraphQlResponse> {
    const call = request(app.getHttpServer()).post('/graphql');
    if (cookie) {
      call.set('Cookie', cookie);
    }
    const response = await call.send({ query });
    const body = response.body as Pick<GraphQlResponse, 'data' | 'errors'>;
    return {
      status: response.status,
      data: body.data ?? null,
      errors: body.errors,
      cookie: cookieOf(response.headers['set-cookie']),
      setCookies: setCookieHeaders(response),
    };
  }

  async function loginAs(username: string): Promise<string> {
    const response = await graphql(`mutation { login(username: "${username}") }`);
    expect(response.data).toEqual({ login: true });
    return response.cookie!;
  }

  /** A stored anonymous session's cookie (the counter creates it). */
  async function anonymousSession(): Promise<string> {
    const response = await graphql('mutation { increment }');
    expect(response.data).toEqual({ increment: 1 });
    return response.cookie!;
  }

  async function storedData(cookie: string): Promise<Record<string, unknown>> {
    const response = await graphql('{ tags }', cookie);
    expect(response.errors).toBeUndefined();
    return Object.fromEntries((response.data!.tags as string[]).map((tag) => [tag, true]));
  }

  async function sessionCount(): Promise<number> {
    const [{ count }] = await dataSource.query('SELECT count(*)::int AS count FROM sessions');
    return count;
  }

  /** Store writes of that kind take 100 ms more, so what happens meanwhile overlaps them. */
  function slowDownStoreWrites(method: 'create' | 'patch'): void {
    const store = app.get(SessionStore);
    const write = store[method].bind(store) as (...args: unknown[]) => Promise<never>;
    jest.spyOn(store, method).mockImplementation(async (...args: unknown[]) => {
      // What a store sends is fixed when it is called (a real one serializes it then); only the answer is late.
      const sent = args.map(cloneExceptSignal);
      await sleep(100);
      return write(...sent);
    });
  }

  beforeAll(async () => {
    db = await createTestDatabase(`graphql_${platform}`);
    dataSource = await createMigratedDataSource(db.url, { entities: [SessionEntity] });
    const moduleRef = await Test.createTestingModule({
      imports: [
        graphQlModule(),
        SessionModule.forRoot({ secret: TEST_SECRET, store: new TypeOrmSessionStore(dataSource) }),
      ],
      providers: [AccountResolver],
    }).compile();
    app =
      platform === 'fastify'
        ? moduleRef.createNestApplication<INestApplication<App>>(new FastifyAdapter(), { logger: false })
        : moduleRef.createNestApplication<INestApplication<App>>({ logger: false });
    await app.init();
    if (platform === 'fastify') {
      await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
    }
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  afterAll(async () => {
    await app?.close();
    await dataSource?.destroy();
    await db?.drop();
  });

  describe('login', () => {
    it('a login mutation sets the signed session cookie on the HTTP response', async () => {
      const response = await graphql('mutation { login(username: "alice") }');

      expect(response.status).toBe(200);
      expect(response.data).toEqual({ login: true });
      const cookie = sessionSetCookie({ headers: { 'set-cookie': response.setCookies } } as never);
      expect(cookie?.value).toMatch(/^[\w-]{43}\.[\w-]{43}$/);
      expect(cookie?.httpOnly).toBe(true);
      const rows = await dataSource.query(`SELECT count(*)::int AS count FROM sessions WHERE user_id = 'alice'`);
      expect(rows[0].count).toBe(1);
    });
  });

  describe('SessionAuthGuard on a resolver', () => {
    it('answers the logged-in user to a request carrying the session cookie', async () => {
      const cookie = await loginAs('bob');

      const response = await graphql('{ me { id roles } }', cookie);

      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({ me: { id: 'bob', roles: ['member'] } });
    });

    // Both drivers answer HTTP 200 to executed operations; Apollo's error carries the 401 in its extensions.
    it('answers an UNAUTHENTICATED GraphQL error without a session cookie', async () => {
      const response = await graphql('{ me { id } }');

      expect(response.status).toBe(200);
      expect(response.data).toBeNull();
      expect(response.errors).toHaveLength(1);
      expect(response.errors![0]).toMatchObject({ ...unauthenticated, path: ['me'] });
    });

    it('answers UNAUTHENTICATED for an anonymous session (a cookie, but no login)', async () => {
      const cookie = await anonymousSession();

      const response = await graphql('{ me { id } }', cookie);

      expect(response.data).toBeNull();
      expect(response.errors?.[0]).toMatchObject(unauthenticated);
    });

    it('answers a FORBIDDEN GraphQL error to a user without the role @Roles() asks for', async () => {
      const cookie = await loginAs('carol');

      const response = await graphql('{ adminReport }', cookie);

      expect(response.status).toBe(200);
      expect(response.data).toBeNull();
      expect(response.errors![0]).toMatchObject({
        message: 'You do not have the role this needs',
        ...httpError('FORBIDDEN', 403),
      });
    });

    it('lets a user with the role through', async () => {
      const cookie = await loginAs('root');

      const response = await graphql('{ adminReport }', cookie);

      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({ adminReport: 'for admins only' });
    });
  });

  describe('committing after the resolver', () => {
    it('persists what a mutation changes in the session across requests', async () => {
      const first = await graphql('mutation { increment }');
      expect(first.data).toEqual({ increment: 1 });
      const cookie = first.cookie!;
      expect(cookie).toBeDefined();

      expect((await graphql('mutation { increment }', cookie)).data).toEqual({ increment: 2 });
      const third = await graphql('mutation { increment }', cookie);
      expect(third.data).toEqual({ increment: 3 });
      // The ID did not change, so the cookie is not sent again.
      expect(third.cookie).toBeUndefined();
    });

    it('keeps the logged-in user and the data of the anonymous session after a login mutation', async () => {
      const anonymous = await anonymousSession();
      const login = await graphql('mutation { login(username: "dave") }', anonymous);
      const cookie = login.cookie!;
      expect(cookie).not.toEqual(anonymous);

      expect((await graphql('{ me { id } }', cookie)).data).toEqual({ me: { id: 'dave' } });
      expect((await graphql('mutation { increment }', cookie)).data).toEqual({ increment: 2 });
      // The ID before the login stopped working.
      expect((await graphql('{ me { id } }', anonymous)).errors?.[0]).toMatchObject(unauthenticated);
    });
  });

  describe('several fields of one query using the session', () => {
    it('reads the store once and keeps what every field changed', async () => {
      const cookie = await anonymousSession();
      const store = app.get(SessionStore);
      const get = jest.spyOn(store, 'get');

      const response = await graphql('{ a: tag(name: "a") b: tag(name: "b", afterMs: 30) }', cookie);

      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({ a: 'a', b: 'b' });
      expect(get).toHaveBeenCalledTimes(1);
      get.mockRestore();
      expect(await storedData(cookie)).toEqual({ a: true, b: true });
    });

    // Each top-level field's interceptor commits after its own resolver, so commits can overlap.
    it('keeps a change made while another field’s commit is being written', async () => {
      const cookie = await anonymousSession();
      slowDownStoreWrites('patch');

      const response = await graphql('{ c: tag(name: "c") d: tag(name: "d", afterMs: 20, thenMs: 150) }', cookie);

      expect(response.errors).toBeUndefined();
      jest.restoreAllMocks();
      expect(await storedData(cookie)).toEqual({ c: true, d: true });
    });

    it('creates one session holding every field’s changes when the fields of a first request overlap', async () => {
      const before = await sessionCount();
      slowDownStoreWrites('create');

      const response = await graphql('{ e: tag(name: "e") f: tag(name: "f", afterMs: 20) }');

      expect(response.errors).toBeUndefined();
      expect(response.setCookies.filter((header) => header.startsWith(`${SESSION_COOKIE}=`))).toHaveLength(1);
      jest.restoreAllMocks();
      expect(await sessionCount()).toBe(before + 1);
      expect(await storedData(response.cookie!)).toEqual({ e: true, f: true });
    });
  });
});

/** A deep copy of a store call's argument; the call options' abort signal is kept as it is (it cannot be cloned). */
function cloneExceptSignal(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && 'signal' in value) {
    const { signal, ...rest } = value as { signal: unknown };
    return { ...structuredClone(rest), signal };
  }
  return structuredClone(value);
}
