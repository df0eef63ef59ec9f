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
    if (!existsSync(join(root, 'dist', 'testing', 'index.js'))) {
      execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'pipe' });
    }
  }, 120_000);

  it('the main entry loads neither typeorm nor pg', () => {
    const loaded = runNode(`
      require('reflect-metadata');
      require('./dist/index.js');
      const drivers = Object.keys(require.cache).filter((file) => /node_modules[\\\\/](typeorm|pg)[\\\\/]/.test(file));
      console.log(JSON.stringify(drivers));
    `);
    expect(JSON.parse(loaded)).toEqual([]);
  });

  it('each subpath resolves through the exports map and exports its API', () => {
    const exported = runNode(`
      require('reflect-metadata');
      const entries = ['nest-sessions', 'nest-sessions/typeorm', 'nest-sessions/testing'];
      console.log(JSON.stringify(entries.map((entry) => Object.keys(require(entry)).sort())));
    `);
    const [main, typeorm, testing] = JSON.parse(exported) as string[][];
    expect(main).toEqual(
      expect.arrayContaining(['SessionModule', 'SessionAuthGuard', 'MemorySessionStore', 'InjectSessionStore']),
    );
    expect(main).not.toEqual(expect.arrayContaining(['TypeOrmSessionStore']));
    expect(main.filter((name) => /MODULE_OPTIONS|Resolved|Publisher|Loader|Committer/.test(name))).toEqual([]);
    expect(typeorm).toEqual(expect.arrayContaining(['TypeOrmSessionStore', 'SessionEntity', 'SESSION_MIGRATIONS']));
    expect(testing).toEqual(expect.arrayContaining(['describeSessionStore', 'storedSession']));
  });
});
