import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where one app spent its CPU time, from the V8 profile `--cpu-prof` wrote. */
export interface ProfileSummary {
  file: string;
  variant: string;
  workload: string;
  /** Milliseconds sampled, idle excluded. */
  busyMs: number;
  /** Self time by package (`typeorm`, `pg`, `nest-sessions`, `node internals`...), share of busy time. */
  packages: Array<{ name: string; share: number }>;
  /** Self time by function, share of busy time. */
  functions: Array<{ name: string; share: number }>;
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

const TOP = 12;

/** The package a script belongs to, by its path. */
function packageOf(url: string, functionName: string): string {
  if (url === '') {
    return functionName.startsWith('(') ? functionName : 'native';
  }
  if (url.startsWith('node:')) {
    return 'node internals';
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + '/node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  return url.includes('/benchmarks/dist/') ? 'bench app' : 'other';
}

function shares(totals: Map<string, number>, busy: number): Array<{ name: string; share: number }> {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([name, time]) => ({ name, share: time / busy }));
}

export async function summarizeProfile(file: string, variant: string, workload: string): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const frame = byId.get(id);
    const time = profile.timeDeltas[index] ?? 0;
    if (!frame || frame.functionName === '(idle)') {
      return;
    }
    busy += time;
    const pkg = packageOf(frame.url, frame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + time);
    const name = `${frame.functionName || '(anonymous)'} ${pkg}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + time);
  });
  return {
    file,
    variant,
    workload,
    busyMs: busy / 1000,
    packages: shares(packages, busy),
    functions: shares(functions, busy),
  };
}

/** Summaries of every profile in `folder`, named `<variant>.<workload>.cpuprofile` by the bench. */
export async function summarizeProfiles(folder: string): Promise<ProfileSummary[]> {
  const files = (await readdir(folder).catch(() => [])).filter((name) => name.endsWith('.cpuprofile')).sort();
  return Promise.all(
    files.map((name) => {
      const [variant, workload] = name.split('.');
      return summarizeProfile(join(folder, name), variant, workload);
    }),
  );
}
