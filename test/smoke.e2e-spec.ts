import request from 'supertest';
import { createTestDatabase, TestDatabase } from './utils/test-database';
import { cookieOf, startSampleApp } from './utils/sample-app';
import type { INestApplication } from '@nestjs/common';
import type { App } from 'supertest/types';

describe('smoke', () => {
  let db: TestDatabase;
  let app: INestApplication<App>;
  beforeAll(async () => {
    db = await createTestDatabase('smoke');
    app = await startSampleApp(db.url);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('counts visits and logs in', async () => {
    const first = await request(app.getHttpServer()).get('/counter').expect(200);
    expect(first.body).toEqual({ visits: 1 });
    const cookie = cookieOf(first.headers['set-cookie'])!;
    console.log(first.headers['set-cookie']);
    const second = await request(app.getHttpServer()).get('/counter').set('Cookie', cookie).expect(200);
    expect(second.body).toEqual({ visits: 2 });
    expect(second.headers['set-cookie']).toBeUndefined();
    const login = await request(app.getHttpServer()).post('/login').set('Cookie', cookie).send({ username: 'alice', password: 'alice-pass-123' }).expect(200);
    const newCookie = cookieOf(login.headers['set-cookie'])!;
    expect(newCookie).not.toEqual(cookie);
    await request(app.getHttpServer()).get('/profile').set('Cookie', newCookie).expect(200, { userId: '1', username: 'alice', roles: ['user'] });
    await request(app.getHttpServer()).get('/profile').set('Cookie', cookie).expect(401);
    await request(app.getHttpServer()).get('/admin').set('Cookie', newCookie).expect(403);
    const third = await request(app.getHttpServer()).get('/counter').set('Cookie', newCookie).expect(200);
    expect(third.body).toEqual({ visits: 3 });
    await request(app.getHttpServer()).get('/health').expect(200, { status: 'ok' });
  });
});
