import type { ModuleRef } from '@nestjs/core';
import type { SessionEvent } from '../events/session-event.interface';
import { SessionEventPublisher } from '../events/session-event-publisher';
import { BoundedStore } from '../store/bounded-store';
import { SessionStoreHealth } from '../store/session-store-health';
import { resolveSessionOptions } from '../module/session-options';
import { SessionCache } from '../cache/session-cache';
import { SessionService } from './session.service';
import { SessionSigner } from '../core/session-signer';
import { MemorySessionStore } from '../store/memory-session.store';

export const SECRET = 'service-secret-0123456789-abcdefghijk';
export const MINUTE = 60_000;
export const NOW = 1_700_000_000_000;

export interface SessionSpec {
  userId: string | null;
  tenant?: string;
  /** Milliseconds since the last activity. */
  idle?: number;
  /** Milliseconds until the session expires; 0 or less: expired already. */
  expiresIn?: number;
  ip?: string;
  userAgent?: string;
}

/** A SessionService on a MemorySessionStore, with the events it publishes and every ID and hash it stored. */
export class Fixture {
  readonly store = new MemorySessionStore();
  readonly events = new SessionEventPublisher({} as ModuleRef);
  private readonly options = resolveSessionOptions({ secret: SECRET, storeTimeout: 50 });
  readonly service = new SessionService(
    new BoundedStore(this.options, this.store, new SessionStoreHealth()),
    this.events,
    new SessionCache(this.options, this.store),
  );
  readonly emitted: SessionEvent[] = [];
  /** Session IDs and their stored hashes: what a listing must never show. */
  readonly secrets: string[] = [];

  constructor() {
    this.events.events$.subscribe((event) => this.emitted.push(event));
  }

  /** Stores a session as the manager would and returns its handle. */
  async add({
    userId,
    tenant = '',
    idle = 0,
    expiresIn = MINUTE,
    ip = '198.51.100.1',
    userAgent = 'Firefox',
  }: SessionSpec) {
    const id = SessionSigner.generateId();
    const idHash = SessionSigner.hashId(id, tenant);
    const handle = SessionSigner.generateHandle();
    await this.store.create(idHash, {
      handle,
      tenant,
      data: userId === null ? {} : { __user: { id: userId, roles: [] } },
      createdAt: NOW - 10 * MINUTE,
      lastActiveAt: NOW - idle,
      idIssuedAt: NOW - idle,
      expiresAt: NOW + expiresIn,
      absoluteExpiresAt: NOW + 60 * MINUTE,
      lifetime: null,
      userId,
      ip,
      userAgent,
    });
    this.secrets.push(id, idHash);
    return handle;
  }

  async handles(userId: string, tenant?: string): Promise<string[]> {
    return (await this.service.list(userId, { tenant })).map((info) => info.handle);
  }
}
