import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');

/** Runs `script` in a fresh Node.js process from the package root and returns what it printed. */
function runNode(script: string): string {
  return execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }).trim();
}

describe('the package entry points, as built in dist/', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'redis', 'index.js'))) {
      execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'pipe' });
    }
  }, 120_000);

  /** The drivers a script's entry loaded (typeorm, pg, ioredis). */
  function driversLoadedBy(entry: string): string[] {
    const loaded = runNode(`
      require('reflect-metadata');
      require('${entry}');
      const drivers = Object.keys(require.cache)
        .map((file) => /node_modules[\\\\/](typeorm|pg|ioredis)[\\\\/]/.exec(file)?.[1])
        .filter(Boolean);
      console.log(JSON.stringify([...new Set(drivers)].sort()));
    `);
    return JSON.parse(loaded) as string[];
  }

  it('the main entry loads no driver: neither typeorm, pg nor ioredis', () => {
    expect(driversLoadedBy('./dist/index.js')).toEqual([]);
  });

  it('nest-sessions/redis loads ioredis only, and nest-sessions/typeorm no ioredis', () => {
    expect(driversLoadedBy('./dist/redis/index.js')).toEqual(['ioredis']);
    expect(driversLoadedBy('./dist/typeorm/index.js')).not.toContain('ioredis');
  });

  it('each subpath resolves through the exports map and exports its API', () => {
    const exported = runNode(`
      require('reflect-metadata');
      const entries = ['nest-sessions', 'nest-sessions/typeorm', 'nest-sessions/redis', 'nest-sessions/testing'];
      console.log(JSON.stringify(entries.map((entry) => Object.keys(require(entry)).sort())));
    `);
    const [main, typeorm, redis, testing] = JSON.parse(exported) as string[][];
    expect(main).toEqual(
      expect.arrayContaining([
        'SessionModule',
        'SessionAuthGuard',
        'MemorySessionStore',
        'InjectSessionStore',
        'copySessions',
      ]),
    );
    expect(main).not.toEqual(expect.arrayContaining(['TypeOrmSessionStore']));
    expect(main).not.toEqual(expect.arrayContaining(['RedisSessionStore']));
    expect(main.filter((name) => /MODULE_OPTIONS|Resolved|Publisher|Loader|Committer/.test(name))).toEqual([]);
    expect(typeorm).toEqual(
      expect.arrayContaining(['TypeOrmSessionStore', 'SessionEntity', 'SESSION_MIGRATIONS', 'exportSessions']),
    );
    expect(redis).toEqual(['RedisSessionStore']);
    expect(testing).toEqual(expect.arrayContaining(['describeSessionStore', 'storedSession']));
  });
});
