import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';

/** The V8 CPU profiler of this process, started and stopped on demand (so only the loads are profiled). */
export class CpuProfiler {
  private session?: Session;

  async start(): Promise<void> {
    this.session ??= new Session();
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.start');
  }

  /** Stops the profiler and writes the profile as a `.cpuprofile` file (Chrome DevTools opens it). */
  async stop(file: string): Promise<void> {
    const { profile } = (await this.post('Profiler.stop')) as { profile: object };
    await this.post('Profiler.disable');
    this.session?.disconnect();
    await writeFile(file, JSON.stringify(profile));
  }

  private post(method: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.session!.post(method, (error, result) => (error ? reject(error) : resolve(result)));
    });
  }
}
