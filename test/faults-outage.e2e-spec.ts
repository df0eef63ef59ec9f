import { useFaultRig } from './utils/fault-rig';
import { KvWriters, type KvWritersOptions } from './utils/kv-writers';
import { sleep } from './utils/sleep';

/**
 * Faults on a PostgreSQL cluster the test owns, under load: the server stopped, the network
 * black-holed, backends terminated. Every request needing the session answers, 200 or 503, the 503s
 * within the store timeout plus a margin; the app recovers without a restart; and no acknowledged
 * write is lost or overwritten by an older one. Express only: the fault handling is in the store,
 * below the HTTP platform, and both platforms would double the time (SIGTERM is shutdown.e2e-spec).
 */
const STORE_TIMEOUT = 1000;
const POOL_SIZE = 5;
/**
 * A request makes two store calls (load, then commit), each bounded by the store timeout; the margin
 * covers the second one and a machine busy with the load itself. What matters: nothing hangs.
 */
const ANSWER_BOUND = STORE_TIMEOUT + 2000;
/** How long the app may take to serve every client again once the fault is gone. */
const RECOVERY_BOUND = 20_000;
const WARM_UP = 500;
const LOAD: KvWritersOptions = { clients: 4, hangAfter: 15_000, pause: 10, maxRequestsPerClient: 600 };

describe('faults on a database the test owns: outages (express)', () => {
  const rig = useFaultRig({
    platform: 'express',
    storeTimeout: STORE_TIMEOUT,
    poolSize: POOL_SIZE,
    maxSessionBytes: 1_048_576,
  });
  const figures: Record<string, unknown> = {};
  let writers: KvWriters | undefined;

  /** Opens a session and starts the writers on it; they warm up the pool before the fault. */
  async function loadTheApp(): Promise<KvWriters> {
    writers = await KvWriters.open(rig().server.url, LOAD);
    writers.start();
    await sleep(WARM_UP);
    return writers;
  }

  /** What every scenario ends with: only 200s and quick 503s, the fault seen, nothing lost. */
  async function expectOnlyQuick503sAndNoLostWrite(load: KvWriters, faultAt: number): Promise<void> {
    expect(load.count(503, faultAt)).toBeGreaterThan(0);
    expect(load.unexpected()).toEqual([]);
    expect(load.slowest(503)).toBeLessThanOrEqual(ANSWER_BOUND);
    expect(await load.lostWrites()).toEqual([]);
  }

  afterEach(async () => {
    await writers?.stop();
    writers = undefined;
  });

  afterAll(() => {
    console.log(`faults-outage figures: ${JSON.stringify(figures)}`);
  });

  it('answers 503 quickly while PostgreSQL is stopped (pg_ctl stop -m fast), and serves again once it restarts', async () => {
    const load = await loadTheApp();
    const faultAt = Date.now();
    await rig().cluster.stop('fast');
    await sleep(2 * STORE_TIMEOUT);
    await rig().cluster.start();
    const healedAt = Date.now();

    const recovery = await load.everyClientOkAfter(healedAt, RECOVERY_BOUND);
    await load.stop();
    figures.stopped = {
      requests: load.outcomes.length,
      served503: load.count(503, faultAt),
      slowest503Ms: load.slowest(503),
      firstOkAfterRestartMs: load.firstOkAfter(healedAt),
      everyClientOkAfterRestartMs: recovery,
    };
    await expectOnlyQuick503sAndNoLostWrite(load, faultAt);
  });

  it('answers 503 quickly while the network is black-holed, and recovers once it heals, open connections left half-open', async () => {
    const load = await loadTheApp();
    const faultAt = Date.now();
    rig().proxy.stall();
    await sleep(3 * STORE_TIMEOUT);
    // The network is back, but nothing ever tells either side that the stalled connections are dead.
    rig().proxy.restore({ keepHeld: true });
    const healedAt = Date.now();

    const recovery = await load.everyClientOkAfter(healedAt, RECOVERY_BOUND);
    await load.stop();
    figures.blackHoled = {
      requests: load.outcomes.length,
      served503: load.count(503, faultAt),
      slowest503Ms: load.slowest(503),
      firstOkAfterHealingMs: load.firstOkAfter(healedAt),
      everyClientOkAfterHealingMs: recovery,
      served503AfterHealing: load.count(503, healedAt),
    };
    await expectOnlyQuick503sAndNoLostWrite(load, faultAt);
  });

  it('after a black hole during a lull, loses at most one request to the dead connections left in its pool', async () => {
    const agent = rig().server.agent();
    await agent.get('/counter').expect(200);
    // Every pooled connection is open and idle when the network goes, and nothing uses them meanwhile.
    await Promise.all(Array.from({ length: 2 * POOL_SIZE }, () => agent.clone().get('/counter').expect(200)));
    rig().proxy.stall();
    await sleep(3 * STORE_TIMEOUT);
    rig().proxy.restore({ keepHeld: true });
    const healedAt = Date.now();

    // One client, one request at a time: each dead connection the pool hands out costs it a timeout.
    const failed: number[] = [];
    for (let attempt = 0; attempt < 2 * POOL_SIZE; attempt++) {
      const { status } = await agent.get('/counter').timeout(LOAD.hangAfter);
      if (status === 200) {
        break;
      }
      failed.push(status);
    }
    figures.blackHoledDuringLull = { firstOkAfterHealingMs: Date.now() - healedAt, failedBeforeFirstOk: failed };
    expect(failed.every((status) => status === 503)).toBe(true);
    expect(failed.length).toBeLessThanOrEqual(1);
  });

  it('answers only 200 or 503 while the app’s backends are terminated again and again, and recovers', async () => {
    const load = await loadTheApp();
    const faultAt = Date.now();
    let terminated = 0;
    for (let round = 0; round < 15; round++) {
      terminated += await rig().activity.terminateAppBackends();
      await sleep(200);
    }
    const healedAt = Date.now();

    const recovery = await load.everyClientOkAfter(healedAt, RECOVERY_BOUND);
    await load.stop();
    figures.terminated = {
      backendsTerminated: terminated,
      requests: load.outcomes.length,
      served503: load.count(503, faultAt),
      slowest503Ms: load.slowest(503),
      everyClientOkAfterwardsMs: recovery,
    };
    expect(terminated).toBeGreaterThan(0);
    expect(load.unexpected()).toEqual([]);
    expect(load.slowest(503)).toBeLessThanOrEqual(ANSWER_BOUND);
    expect(await load.lostWrites()).toEqual([]);
  });
});
