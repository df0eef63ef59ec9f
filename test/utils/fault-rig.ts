import { Logger } from '@nestjs/common';
import type { SampleConfig } from '../../sample/sample-config';
import { ClusterActivity } from './cluster-activity';
import { startSampleServer, type SampleServer } from './sample-server';
import { TcpProxy } from './tcp-proxy';
import { ThrowawayPostgres } from './throwaway-postgres';

/** What a fault test drives: the sample app on a cluster of its own, through a proxy it controls. */
export interface FaultRig {
  cluster: ThrowawayPostgres;
  /** The app's database on the cluster, reached directly (not through the proxy). */
  databaseUrl: string;
  /** Between the app and the cluster. */
  proxy: TcpProxy;
  server: SampleServer;
  /** A direct connection watching the app's backends. */
  activity: ClusterActivity;
}

/** How long closing the app may take before the rest is torn down anyway. */
const CLOSE_BOUND = 10_000;

/**
 * Registers, in the enclosing `describe`, hooks that build a {@link FaultRig} (a throwaway cluster,
 * a database `app` on it, a proxy, the sample app on the proxy with `overrides`) before its tests,
 * and tear it all down after them, even when building it failed or timed out midway. After each
 * test the proxy forwards again and the cluster runs again, so a failed test does not fail the next.
 * Store failures are logged by design: the hooks keep those logs out of the output.
 */
export function useFaultRig(overrides: Partial<SampleConfig>): () => FaultRig {
  const parts: Partial<FaultRig> = {};
  let building: Promise<void> | undefined;
  let rig: FaultRig | undefined;

  beforeAll(async () => {
    building = build(parts, overrides);
    await building;
    rig = parts as FaultRig;
  }, 60_000);

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    rig?.proxy.restore();
    if (rig && !rig.cluster.running) {
      await rig.cluster.start();
    }
  }, 60_000);

  afterAll(async () => {
    await building?.catch(() => undefined);
    await tearDown(parts);
  }, 60_000);

  return () => {
    if (!rig) {
      throw new Error('The fault rig is built in beforeAll: use it inside hooks and tests only.');
    }
    return rig;
  };
}

async function build(parts: Partial<FaultRig>, overrides: Partial<SampleConfig>): Promise<void> {
  parts.cluster = await ThrowawayPostgres.create();
  parts.databaseUrl = await parts.cluster.createDatabase('app');
  parts.proxy = await TcpProxy.start(parts.databaseUrl);
  parts.activity = await ClusterActivity.connect(parts.databaseUrl);
  parts.server = await startSampleServer(parts.proxy.url(parts.databaseUrl), overrides);
}

/** Each step runs whatever happened to the one before; the cluster and its files go last, always. */
async function tearDown(parts: Partial<FaultRig>): Promise<void> {
  const steps = [
    () => bounded(parts.server?.close(), CLOSE_BOUND),
    () => parts.activity?.close(),
    () => parts.proxy?.close(),
    () => parts.cluster?.destroy(),
  ];
  const errors: unknown[] = [];
  for (const step of steps) {
    await Promise.resolve()
      .then(step)
      .catch((error: unknown) => errors.push(error));
  }
  if (errors.length > 0) {
    throw errors[0];
  }
}

function bounded(work: Promise<void> | undefined, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Not done within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer)) as Promise<void>;
}
