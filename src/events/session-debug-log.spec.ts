import { Logger } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { SessionSigner } from '../core/session-signer';
import type { SessionEvent } from './session-event.interface';
import { SessionDebugLog } from './session-debug-log';
import { SessionEventPublisher } from './session-event-publisher';

const SECRET = 'debug-log-secret-0123456789abcdef';
const ID = SessionSigner.generateId();
const HASH = SessionSigner.hashId(ID);
const SUBJECT = { handle: 'HHHHHHHHHHHHHHHHHHHHHH', userId: 'u-alice', tenant: 't-1', ip: '203.0.113.7', userAgent: 'Agent/1' };
/** Everything a line must not name: the ID, its hash, the cookie's signature, the secret, whom it is about. */
const FORBIDDEN = [ID, HASH, SECRET, SUBJECT.handle, SUBJECT.userId, SUBJECT.ip, SUBJECT.userAgent, SUBJECT.tenant];

describe('SessionDebugLog', () => {
  let publisher: SessionEventPublisher;
  let log: SessionDebugLog;
  let debug: jest.SpyInstance;

  beforeEach(() => {
    Logger.overrideLogger(['log', 'warn', 'error', 'debug']);
    publisher = new SessionEventPublisher({ get: () => undefined } as unknown as ModuleRef);
    log = new SessionDebugLog(publisher);
    debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });
  afterEach(() => {
    log.onModuleDestroy();
    jest.restoreAllMocks();
  });

  function publish(type: SessionEvent['type'], reason?: SessionEvent['reason']): string[] {
    debug.mockClear();
    publisher.publish(type, SUBJECT, reason);
    return debug.mock.calls.map((call) => String(call[0]));
  }

  it.each([
    ['rejected', 'signature', /bad signature/],
    ['rejected', 'binding', /bound to another client/],
    ['expired', undefined, /expired session/],
    ['renewed', undefined, /Renewed a session/],
  ] as const)('writes one debug line for %s %s, naming nothing secret', (type, reason, pattern) => {
    const lines = publish(type, reason);
    expect(lines).toEqual([expect.stringMatching(pattern)]);
    for (const forbidden of FORBIDDEN) {
      expect(lines[0]).not.toContain(forbidden);
    }
  });

  it('writes in the SessionModule context', () => {
    publish('expired');
    expect((debug.mock.contexts[0] as { context?: string }).context).toBe('SessionModule');
  });

  it('writes nothing for the events an app logs itself', () => {
    for (const type of ['created', 'logged-in', 'logged-out', 'regenerated', 'destroyed'] as const) {
      expect(publish(type)).toEqual([]);
    }
  });

  it('writes nothing while the debug level is off', () => {
    Logger.overrideLogger(['log', 'warn', 'error']);
    expect(publish('rejected', 'signature')).toEqual([]);
  });

  it('stops writing once the module is destroyed', () => {
    log.onModuleDestroy();
    expect(publish('expired')).toEqual([]);
  });
});
