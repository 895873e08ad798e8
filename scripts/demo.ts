// npm run demo: the main job on local throwaway servers. Two influxd on loopback ports, a day of demo
// metrics in the source, then `main` runs the example processes: the InfluxDB copy and config/'s command.
// A second run shows the incremental copy resuming from its checkpoint. Then an ADATRAP day on a throwaway
// S3 server (demo-adatrap.ts). Everything is removed at the end.
// It needs `influxd` (InfluxDB 1.x) on PATH; without it, it says how to install it and exits 1.
// `npm run demo -- adatrap` runs the ADATRAP day alone, without influxd.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Influxd } from '../test/helpers/influxd.js';
import { adatrapDay } from './demo-adatrap.js';

const say = (text: string) => console.log(`\n\x1b[1m== ${text}\x1b[0m`);
// One line on stderr and exit 1: a user of the demo gets what went wrong, never a stack trace.
const stop = (message: string): never => {
  console.error(`npm run demo: ${message}`);
  process.exit(1);
};

const part = process.argv[2];
if (part !== undefined && part !== 'adatrap') stop(`unknown part "${part}": npm run demo runs every part, npm run demo -- adatrap the ADATRAP day alone`);
if (part === undefined && spawnSync('influxd', ['version']).error) {
  stop('influxd (InfluxDB 1.x) is not on PATH. Install it, on Debian: apt-get install influxdb influxdb-client (only the influxd program is used; no service needs to run).');
}
const work = mkdtempSync(join(tmpdir(), 'sat-demo-'));

function main(args: string[], env: Record<string, string> = {}): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'main.ts', ...args], { stdio: 'inherit', env: { ...process.env, DEMO_PASSWORD: 'not-a-real-password', ...env } });
  return r.status ?? 1;
}

let failures = part === 'adatrap' ? 0 : await influxPart();
try {
  failures += await adatrapDay(work, say, main);
} catch (error) {
  console.error(`npm run demo: ${(error as Error).message}`);
  failures++;
} finally {
  rmSync(work, { recursive: true, force: true });
  say('Servers stopped, demo files removed.');
}
if (failures) stop(`${failures} step(s) did not end as expected: see above.`);

// The InfluxDB part; returns how many of its steps did not end as expected.
async function influxPart(): Promise<number> {
  say('Starting two throwaway InfluxDB servers (source and destination)');
  const servers = await Promise.allSettled([Influxd.start(), Influxd.start()]);
  const failed = servers.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(servers.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    rmSync(work, { recursive: true, force: true });
    stop(`cannot start influxd: ${(failed.reason as Error).message}`);
  }
  const [source, destination] = servers.map((s) => (s as PromiseFulfilledResult<Influxd>).value) as [Influxd, Influxd];
  let failures = 0;
  try {
    console.log(`source ${source.url}, destination ${destination.url}`);
    say('Writing a day of demo metrics into the source: cpu and mem of 8 hosts every 30 s, in two retention policies');
    await source.query('CREATE DATABASE metrics');
    await source.query('CREATE RETENTION POLICY "one_year" ON metrics DURATION 52w REPLICATION 1 SHARD DURATION 1w');
    const now = BigInt(Date.now()) * 1_000_000n;
    const day = 86_400n * 1_000_000_000n;
    for (const rp of ['autogen', 'one_year']) {
      const lines: string[] = [];
      for (let t = 0n; t < day; t += 30_000_000_000n) {
        for (let h = 0; h < 8; h++) {
          const i = Number(t / 30_000_000_000n);
          lines.push(`cpu,host=web-${h},dc=eu usage_user=${((i * 7 + h * 13) % 1000) / 10},usage_system=${(i % 50) / 10 + 1} ${now - day + t}`);
          lines.push(`mem,host=web-${h},dc=eu used=${4_000_000_000 + i * 1000 + h}i,available_percent=${50 + (i % 40)} ${now - day + t}`);
        }
      }
      for (let i = 0; i < lines.length; i += 10_000) await source.write('metrics', lines.slice(i, i + 10_000).join('\n'), rp);
      console.log(`${lines.length} points in ${rp}`);
    }

    // The example process files: config/ as it is, and the InfluxDB copy pointed at the demo servers.
    const config = join(work, 'config');
    cpSync('config', config, { recursive: true });
    writeFileSync(
      join(config, 'metrics-copy.yaml'),
      `# yaml-language-server: $schema=../schema/process-file.schema.json
nightly_metrics:
  source_server:      { url: "${source.url}", user: admin, password: "\${DEMO_PASSWORD}", database: metrics }
  destination_server: { url: "${destination.url}", database: metrics_backup }
  backup_config:      { mode: incremental, page_size: 10000, timeout: 60, validate_data: true, window: 6h }
`,
    );
    console.log(`process files: ${readdirSync(config).join(', ')} (in ${config})`);

    say('main --validate-only');
    if (main(['--validate-only', '--config', config]) !== 0) failures++;
    say('main: the first run copies everything and verifies it');
    if (main(['--config', config, '--state', join(work, 'state.db'), '--log-dir', join(work, 'logs')]) !== 0) failures++;
    say('main again: incremental, it resumes from the checkpoint (minus the 10 min overlap)');
    if (main(['--config', config, '--state', join(work, 'state.db'), '--log-dir', join(work, 'logs'), '--only', 'nightly_metrics']) !== 0) failures++;
    say('main history');
    if (main(['history', '--state', join(work, 'state.db')]) !== 0) failures++;
  } catch (error) {
    console.error(`npm run demo: ${(error as Error).message}`);
    failures++;
  } finally {
    await Promise.all([source.stop(), destination.stop()]);
  }
  return failures;
}
