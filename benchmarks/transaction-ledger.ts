import { setTimeout as sleep } from 'node:timers/promises';
import { transactionCount } from './database';

/**
 * PostgreSQL backends flush their `pg_stat_database` counters at most once a second, and an idle
 * backend only 10 s later: read right after a load, the counters miss a large part of it (on this
 * machine about three quarters of a 3 s burst). So each variant has a database of its own, and a
 * measurement's transactions are counted when the next measurement of the same variant starts (or
 * at the end), once that database has been idle for longer than the flush delay. The gap is
 * usually there anyway, as the other variants run in between; otherwise the ledger waits.
 */
const FLUSH_DELAY_MS = 11_000;

interface Pending {
  assign(transactions: number): void;
}

interface Account {
  database: string;
  snapshot: number;
  lastLoadEnd: number;
  pending?: Pending;
}

export class TransactionLedger {
  private readonly accounts = new Map<string, Account>();

  /** Starts counting `database`, whose last traffic (set-up, seeding) ended now. */
  open(key: string, database: string): void {
    this.accounts.set(key, { database, snapshot: 0, lastLoadEnd: Date.now(), pending: undefined });
  }

  /** Call right before a load on `key`; `assign` later receives the transactions of that load. */
  async beforeLoad(key: string, assign: (transactions: number) => void): Promise<void> {
    await this.settle(key);
    this.account(key).pending = { assign };
  }

  /** Call right after the load ended. */
  afterLoad(key: string): void {
    this.account(key).lastLoadEnd = Date.now();
  }

  /** Settles every account, so every load has its count. */
  async close(): Promise<void> {
    const last = Math.max(...[...this.accounts.values()].map((account) => account.lastLoadEnd));
    await waitUntil(last + FLUSH_DELAY_MS);
    for (const key of this.accounts.keys()) {
      await this.settle(key);
    }
  }

  private async settle(key: string): Promise<void> {
    const account = this.account(key);
    await waitUntil(account.lastLoadEnd + FLUSH_DELAY_MS);
    const snapshot = await transactionCount(account.database);
    account.pending?.assign(snapshot - account.snapshot);
    account.pending = undefined;
    account.snapshot = snapshot;
  }

  private account(key: string): Account {
    const account = this.accounts.get(key);
    if (!account) {
      throw new Error(`No transaction account for ${key}`);
    }
    return account;
  }
}

async function waitUntil(time: number): Promise<void> {
  const wait = time - Date.now();
  if (wait > 0) {
    await sleep(wait);
  }
}
