import { CACHE_TTL_MS } from './protocol';
import { IN_FORCE_WITHIN_MS, LANES, type RevocationResult, WATCH_INTERVAL_MS, WATCH_MS } from './revocation';
import type { SeedCost } from './seed';
import type { Summary } from './summary';

const ms = (value: number) => value.toFixed(1);

/** Revocation latency across two instances of each cached variant. */
export function revocationLines(results: RevocationResult[]): string[] {
  if (results.length === 0) {
    return [];
  }
  const lines = [
    '### Revocation seen on another instance (cache on)',
    '',
    `Two instances of each cached app on the same store (\`cache: { ttl: ${CACHE_TTL_MS} }\`). Per trial: log in on A, ` +
      'read twice on B (the first read fills its cache, the second is answered from it), revoke on A (alternately ' +
      "`session.logout()`, and `SessionService.revoke()` from another of the user's sessions), then poll B back to " +
      `back until it answers 401, and every ${WATCH_INTERVAL_MS} ms after that until ${WATCH_MS} ms after the revocation. ` +
      "Latency: from the revocation's response to B's first 401, B's answer time included (its median is the poll " +
      `column). Stale reads after: 200s from B to polls sent more than ${IN_FORCE_WITHIN_MS} ms after the revocation's ` +
      `response (and in how many trials). ${LANES} trials run at once. Under load: a read load on both instances ` +
      'meanwhile, half the connections each.',
    '',
    '| variant | mode | trials | p50 ms | p99 ms | max ms | p99 logout / revoke ms | poll ms | stale reads after (trials) | never revoked | failed | B cache hits / misses | channel interruptions | load req/s A + B |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const load = r.load ? r.load.map((l) => l.requestsPerSecond.toFixed(0)).join(' + ') : '–';
    lines.push(
      `| ${r.variant} | ${r.mode} | ${r.trials} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ` +
        `${ms(r.byMethod.logout.p99)} / ${ms(r.byMethod.revoke.p99)} | ${ms(r.pollP50)} | ${r.staleReadsAfter} (${r.staleTrials}) | ${r.neverRevoked} | ${r.failed} | ` +
        `${r.cache.hits} / ${r.cache.misses} | ${r.cache.interruptions} | ${load} |`,
    );
  }
  lines.push('');
  return lines;
}

/** What seeding the rare workload's sessions cost. */
export function seedingLines(seeding: SeedCost[]): string[] {
  if (seeding.length === 0) {
    return [];
  }
  const each = seeding.map(
    (cost) => `${cost.variant} ${cost.seconds.toFixed(1)} s (${(cost.sessions / cost.seconds).toFixed(0)}/s)`,
  );
  return [
    `Seeding for \`rare\`: ${seeding[0].sessions.toLocaleString('en')} sessions per variant, made inside each app ` +
      `through its own store, copies of its hot sessions: ${each.join(', ')}.`,
    '',
  ];
}

/** Cache hit rate cell: hits over lookups, or – when the cache is off or nothing was looked up. */
export function hitRateCell(s: Summary): string {
  return s.cache?.hitRate == null ? '–' : `${(s.cache.hitRate * 100).toFixed(1)}%`;
}

/** Notes for the report's problems: a cached variant whose change channel went down during a load measured less of the cache. */
export function cacheProblems(summaries: Summary[]): string[] {
  return summaries
    .filter((s) => s.cache?.interrupted)
    .map(
      (s) =>
        `${s.variant}'s change channel went down (or was not listening) during the ${s.workload} load: its cache was bypassed meanwhile.`,
    );
}

/** The "How it is measured" items about the cache, the rare workload and revocation. */
export function cacheMeasuredLines(summaries: Summary[], rareSessions: number | null): string[] {
  const lines: string[] = [];
  if (summaries.some((s) => s.cache !== null)) {
    lines.push(
      `- \`-cached\` variants: the app of the same name without \`-cached\`, with \`cache: { ttl: ${CACHE_TTL_MS} }\` ` +
        "(default `maxEntries`, 10,000). Cache hit rate: hits over hits + misses from the app's " +
        '`SessionCache.stats()`, read over IPC before and after each load (no HTTP route), all rounds together. ' +
        '"Store commands per cached read" (targets): the commands the app sent during its read loads, less its ' +
        "misses times the uncached app's commands per read in this run, over its hits.",
    );
  }
  if (rareSessions !== null) {
    lines.push(
      `- \`rare\`: \`GET /read\`, each request with a session drawn uniformly at random from ${rareSessions.toLocaleString('en')} ` +
        'sessions logged in beforehand (besides the hot ones), more than the cache holds: most are not seen again ' +
        'within its ttl, as in real traffic, unlike the hot loads that rotate over a few sessions.',
    );
  }
  return lines;
}
