import type { RunSummary } from '../../src/core/result.js';
import { runCli, Workspace } from './cli.js';
import { Influxd } from './influxd.js';

export type ProcessSummary = RunSummary['processes'][number];

// Two throwaway influxd (a source and a destination) and, per test, a fresh workspace and source database.
export class CopyFixture {
  src!: Influxd;
  dst!: Influxd;
  ws!: Workspace;
  db = '';
  private n = 0;

  async start(): Promise<void> {
    [this.src, this.dst] = await Promise.all([Influxd.start(), Influxd.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.src?.stop(), this.dst?.stop()]);
  }

  // A new workspace and a new, empty source database (its copy goes to `<db>_copy`).
  async next(): Promise<void> {
    this.ws = new Workspace();
    this.db = `db${++this.n}`;
    await this.src.query(`CREATE DATABASE ${this.db}`);
  }

  done(): void {
    this.ws?.remove();
  }

  processFile(backupConfig: string, name = 'copy', source = this.src.url): string {
    return `${name}:\n  source_server: { url: "${source}", database: ${this.db} }\n  destination_server: { url: "${this.dst.url}", database: ${this.db}_copy }\n  backup_config: { ${backupConfig} }\n`;
  }

  // `main --json` on one copy process; its summary entry, exit code and stderr.
  async copy(backupConfig = 'mode: full', args: string[] = []): Promise<{ code: number | null; process: ProcessSummary; stderr: string; stdout: string }> {
    this.ws.write('config/copy.yaml', this.processFile(backupConfig));
    const { code, stdout, stderr } = await runCli(['--json', ...args], { cwd: this.ws.dir });
    if (!stdout.startsWith('{')) throw new Error(`main printed no summary (exit ${code}):\n${stderr}`);
    return { code, process: (JSON.parse(stdout) as RunSummary).processes[0]!, stderr, stdout };
  }

  // The child's peak resident memory in MB, from the run's JSON log.
  peakMemoryMb(): number | undefined {
    const lines = this.ws.read('data/logs/sysadmintoolkit.jsonl').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { peakMemoryMb?: number });
    return lines.find((l) => l.peakMemoryMb !== undefined)?.peakMemoryMb;
  }
}
