import type { Summary } from './summary';

/** The commands each Redis variant's servers ran, per request, by name. */
export function redisCommandLines(summaries: Summary[]): string[] {
  const onRedis = summaries.filter((summary) => summary.redisCommands.length > 0);
  if (onRedis.length === 0) {
    return [];
  }
  const lines = [
    '### Redis commands per request, by command',
    '',
    'What the servers ran (`INFO commandstats`, masters summed): the commands each app sent, and those its ' +
      'scripts ran inside `evalsha`/`eval` (`redis.call`), which Redis counts as commands too.',
    '',
    '| workload | variant | processed | sent | by command, per request |',
    '| --- | --- | ---: | ---: | --- |',
  ];
  for (const s of onRedis) {
    const byCommand = s.redisCommands
      .filter((entry) => entry.perRequest >= 0.001)
      .map((entry) => `${entry.text} ${entry.perRequest.toFixed(3)}`)
      .join(', ');
    lines.push(
      `| ${s.workload} | ${s.variant} | ${s.redisProcessedPerRequest?.toFixed(3) ?? '–'} | ` +
        `${s.redisSentPerRequest?.toFixed(3) ?? '–'} | ${byCommand} |`,
    );
  }
  lines.push('');
  return lines;
}

/** The "How it is measured" items about Redis. */
export function redisMeasuredLines(ranRedis: boolean): string[] {
  if (!ranRedis) {
    return [];
  }
  return [
    '- Redis cmds/req, two ways, both per HTTP request the app received: processed, the commands the Redis servers ran ' +
      "during the load (`INFO commandstats` before and after, summed over a cluster's masters, without the bench's own " +
      "`INFO` and the replicas' `REPLCONF`), which includes every command a Lua script runs; and sent, the commands " +
      'the app wrote to Redis (counted in the app, around ioredis and node-redis), where a script is one. The ' +
      'standalone server and the cluster are each shared by the apps of their variants, loaded one at a time.',
  ];
}
