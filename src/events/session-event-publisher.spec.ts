import { Logger } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { SessionEvent } from './session-event.interface';
import { SessionEventPublisher } from './session-event-publisher';

function event(type: SessionEvent['type'], overrides: Partial<SessionEvent> = {}): SessionEvent {
  return {
    type,
    handle: 'AAAAAAAAAAAAAAAAAAAAAA',
    userId: 'u-alice',
    tenant: '',
    ip: '203.0.113.7',
    userAgent: 'jest-agent',
    at: new Date(),
    ...overrides,
  };
}

/** A ModuleRef whose `get` answers `emitter` (or throws, like Nest when nothing provides the token). */
function moduleRefWith(emitter: unknown): { moduleRef: ModuleRef; get: jest.Mock } {
  const get = jest.fn(() => {
    if (emitter === undefined) {
      throw new Error('Nest could not find EventEmitter2 element');
    }
    return emitter;
  });
  return { moduleRef: { get } as unknown as ModuleRef, get };
}

describe('SessionEventPublisher', () => {
  beforeAll(() => Logger.overrideLogger(false));

  afterEach(() => jest.restoreAllMocks());

  describe('events$', () => {
    it('delivers every event to every subscriber, in order', () => {
      const events = new SessionEventPublisher(moduleRefWith(undefined).moduleRef);
      const first: SessionEvent[] = [];
      const second: SessionEvent[] = [];
      events.events$.subscribe((received) => first.push(received));
      events.events$.subscribe((received) => second.push(received));
      const created = event('created');
      const loggedIn = event('logged-in');
      events.emit(created);
      events.emit(loggedIn);
      expect(first).toEqual([created, loggedIn]);
      expect(second).toEqual([created, loggedIn]);
    });

    it('delivers only what happens after subscribing', () => {
      const events = new SessionEventPublisher(moduleRefWith(undefined).moduleRef);
      events.emit(event('created'));
      const received: SessionEvent[] = [];
      events.events$.subscribe((next) => received.push(next));
      events.emit(event('destroyed'));
      expect(received.map((next) => next.type)).toEqual(['destroyed']);
    });

    it('completes when the module is destroyed', () => {
      const events = new SessionEventPublisher(moduleRefWith(undefined).moduleRef);
      const complete = jest.fn();
      const next = jest.fn();
      events.events$.subscribe({ next, complete });
      events.onModuleDestroy();
      expect(complete).toHaveBeenCalledTimes(1);
      events.emit(event('created'));
      expect(next).not.toHaveBeenCalled();
    });
  });

  describe('with @nestjs/event-emitter', () => {
    it('forwards each event to the EventEmitter2 as session.<type>', () => {
      const emitter = { emit: jest.fn() };
      const { moduleRef, get } = moduleRefWith(emitter);
      const events = new SessionEventPublisher(moduleRef);
      events.onModuleInit();
      expect(get).toHaveBeenCalledWith(EventEmitter2, { strict: false });
      const revoked = event('revoked', { reason: 'session-limit' });
      events.emit(revoked);
      events.emit(event('logged-in'));
      expect(emitter.emit.mock.calls).toEqual([
        ['session.revoked', revoked],
        ['session.logged-in', expect.objectContaining({ type: 'logged-in' })],
      ]);
    });

    it('reaches wildcard listeners of a real EventEmitter2', () => {
      const emitter = new EventEmitter2({ wildcard: true });
      const heard: string[] = [];
      emitter.on('session.*', function (this: { event: string }) {
        heard.push(this.event);
      });
      const events = new SessionEventPublisher(moduleRefWith(emitter).moduleRef);
      events.onModuleInit();
      events.emit(event('created'));
      events.emit(event('rejected', { reason: 'binding' }));
      expect(heard).toEqual(['session.created', 'session.rejected']);
    });

    it('forwards nothing before onModuleInit, and still publishes on events$', () => {
      const emitter = { emit: jest.fn() };
      const events = new SessionEventPublisher(moduleRefWith(emitter).moduleRef);
      const received = jest.fn();
      events.events$.subscribe(received);
      events.emit(event('created'));
      expect(emitter.emit).not.toHaveBeenCalled();
      expect(received).toHaveBeenCalledTimes(1);
    });

    it('publishes on events$ alone when the app has no EventEmitterModule', () => {
      const events = new SessionEventPublisher(moduleRefWith(undefined).moduleRef);
      expect(() => events.onModuleInit()).not.toThrow();
      const received = jest.fn();
      events.events$.subscribe(received);
      events.emit(event('created'));
      expect(received).toHaveBeenCalledTimes(1);
    });

    it('logs a listener that throws instead of throwing to the caller, and keeps delivering', () => {
      const emitter = new EventEmitter2();
      emitter.on('session.created', () => {
        throw new Error('audit log is down');
      });
      const events = new SessionEventPublisher(moduleRefWith(emitter).moduleRef);
      events.onModuleInit();
      const logged = jest.spyOn(Logger.prototype, 'error');
      const received = jest.fn();
      events.events$.subscribe(received);
      expect(() => events.emit(event('created'))).not.toThrow();
      expect(logged).toHaveBeenCalledWith(expect.stringContaining('audit log is down'));
      events.emit(event('destroyed'));
      expect(received).toHaveBeenCalledTimes(2);
    });
  });
});
