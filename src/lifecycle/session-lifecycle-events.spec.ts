import { Logger } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { config as rxjsConfig } from 'rxjs';
import { SessionEventPublisher } from '../events/session-event-publisher';
import { SessionSigner } from '../core/session-signer';

import { MINUTE, START, Client, Harness, alice, useFakeClock } from './lifecycle.harness.fixture';

describe('lifecycle events', () => {
  const clock = useFakeClock();

  describe('events', () => {
    it('reports creation, login, regeneration, logout and destruction, with the handle and client', async () => {
      const harness = new Harness();
      const { session } = await harness.visit((s) => s.set('a', 1));
      await harness.visit((s) => s.login(alice));
      await harness.visit((s) => s.regenerate());
      await harness.visit((s) => s.logout());
      await harness.visit((s) => s.destroy());
      expect(harness.emitted.map(({ type, userId }) => [type, userId])).toEqual([
        ['created', null],
        ['regenerated', 'u-alice'],
        ['logged-in', 'u-alice'],
        ['regenerated', 'u-alice'],
        ['regenerated', null],
        ['logged-out', null],
        ['destroyed', null],
      ]);
      for (const event of harness.emitted) {
        expect(event).toEqual({
          type: event.type,
          handle: session.handle,
          userId: event.userId,
          tenant: '',
          ip: '203.0.113.7',
          userAgent: 'jest-agent',
          reason: undefined,
          at: expect.any(Date),
        });
      }
    });

    it('reports created then logged-in for a login on a new session', async () => {
      const harness = new Harness();
      await harness.visit((s) => s.login(alice));
      expect(harness.types()).toEqual(['created', 'logged-in']);
    });

    it('reports nothing for requests that store nothing or only read', async () => {
      const harness = new Harness();
      await harness.visit((s) => s.get('a'));
      await harness.start();
      harness.emitted.length = 0;
      await harness.visit((s) => s.get('started'));
      await harness.visit((s) => s.set('more', 1));
      expect(harness.emitted).toEqual([]);
    });

    it('reports an expired session presented, with its handle and user', async () => {
      const harness = new Harness({ idleTimeout: MINUTE });
      const { session } = await harness.visit((s) => s.login(alice));
      clock.now = START + MINUTE;
      expect((await harness.visit()).session.isNew).toBe(true);
      expect(harness.emitted.at(-1)).toMatchObject({ type: 'expired', handle: session.handle, userId: 'u-alice' });
    });

    it('reports a cookie with a bad signature as rejected, naming no session', async () => {
      const harness = new Harness();
      await harness.start();
      const forged = `__Host-sid=${SessionSigner.generateId()}.${(harness.cookie as string).split('.')[1]}`;
      await harness.visit(undefined, forged);
      expect(harness.emitted.at(-1)).toEqual({
        type: 'rejected',
        reason: 'signature',
        handle: null,
        userId: null,
        tenant: '',
        ip: '203.0.113.7',
        userAgent: 'jest-agent',
        at: expect.any(Date),
      });
    });

    it('never carries a session ID or its stored hash', async () => {
      const harness = new Harness({
        renewAfter: MINUTE,
        idleTimeout: 10 * MINUTE,
        bind: { userAgent: true },
        maxSessionsPerUser: 1,
        tenant: (request) => request.headers['x-tenant'] as string | undefined,
      });
      const acme: Client = { headers: { 'x-tenant': 'acme' } };
      const laptop = harness.browser(acme);
      await laptop.visit((s) => s.set('a', 1));
      await laptop.visit((s) => s.login(alice));
      clock.now += MINUTE;
      await laptop.visit();
      await laptop.visit((s) => s.regenerate());
      const phone = harness.browser(acme);
      await phone.visit((s) => s.login(alice));
      await phone.visit((s) => s.logout());
      await phone.visit((s) => s.destroy());
      await harness.browser(acme, `__Host-sid=${SessionSigner.generateId()}.${'A'.repeat(43)}`).visit();
      const stolen = harness.browser({ ...acme, userAgent: 'thief' });
      await stolen.visit((s) => s.set('b', 1));
      stolen.client.userAgent = 'another';
      await stolen.visit();
      const idle = harness.browser(acme);
      await idle.visit((s) => s.set('c', 1));
      clock.now += 10 * MINUTE;
      await idle.visit();
      expect(new Set(harness.types())).toEqual(
        new Set([
          'created',
          'logged-in',
          'logged-out',
          'regenerated',
          'renewed',
          'destroyed',
          'revoked',
          'expired',
          'rejected',
        ]),
      );
      const secrets = [...harness.ids].flatMap((id) => [
        id,
        SessionSigner.hashId(id),
        SessionSigner.hashId(id, 'acme'),
      ]);
      expect(secrets.length).toBeGreaterThan(20);
      for (const event of harness.emitted) {
        const payload = JSON.stringify(event);
        for (const secret of secrets) {
          expect(payload).not.toContain(secret);
        }
      }
    });

    it('does not fail the request when an EventEmitter2 listener throws', async () => {
      const emitter = {
        emit: jest.fn(() => {
          throw new Error('listener bug');
        }),
      };
      const events = new SessionEventPublisher({ get: () => emitter } as unknown as ModuleRef);
      events.onModuleInit();
      const logged = jest.spyOn(Logger.prototype, 'error');
      const harness = new Harness({}, undefined, events);
      const { session, setCookie } = await harness.visit((s) => s.set('a', 1));
      expect(emitter.emit).toHaveBeenCalledWith('session.created', expect.objectContaining({ type: 'created' }));
      expect(setCookie).toBeDefined();
      expect((await harness.stored(session))?.data).toEqual({ a: 1 });
      expect(logged).toHaveBeenCalledWith(expect.stringContaining('listener bug'));
    });

    it('does not fail the request when an events$ subscriber throws (RxJS reports the error as unhandled)', async () => {
      const unhandled = jest.fn();
      const previous = rxjsConfig.onUnhandledError;
      rxjsConfig.onUnhandledError = unhandled;
      try {
        const harness = new Harness();
        harness.events.events$.subscribe(() => {
          throw new Error('subscriber bug');
        });
        const { session } = await harness.visit((s) => s.set('a', 1));
        expect((await harness.stored(session))?.data).toEqual({ a: 1 });
        expect(harness.types()).toEqual(['created']);
        // RxJS rethrows it from a timer: without onUnhandledError it would crash the process.
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(unhandled).toHaveBeenCalledWith(expect.objectContaining({ message: 'subscriber bug' }));
      } finally {
        rxjsConfig.onUnhandledError = previous;
      }
    });
  });
});
