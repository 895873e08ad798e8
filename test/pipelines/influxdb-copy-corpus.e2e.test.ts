import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, Workspace } from '../helpers/cli.js';
import { Influxd } from '../helpers/influxd.js';

// Line protocol at its edges, from InfluxDB's and Telegraf's parser tests and the public line-protocol corpus
// (test/fixtures/line-protocol/README.md: origins, licences, and how the lines a 1.x server stores were chosen).
interface Entry {
  from: string;
  line?: string;
  base64?: string;
}
const corpus = JSON.parse(readFileSync(new URL('../fixtures/line-protocol/corpus.json', import.meta.url), 'utf8')) as { lines: Entry[] };
const bytesOf = (e: Entry) => (e.base64 !== undefined ? Buffer.from(e.base64, 'base64') : Buffer.from(e.line!, 'utf8'));

let src: Influxd;
let dst: Influxd;
let ws: Workspace;
beforeAll(async () => {
  [src, dst] = await Promise.all([Influxd.start(), Influxd.start()]);
  ws = new Workspace();
});
afterAll(async () => {
  ws?.remove();
  await Promise.all([src?.stop(), dst?.stop()]);
});

// Each line into the first database where it does not clash with a field type already there (many lines share
// `cpu value=…` with other types); one process copies each database.
async function load(): Promise<{ databases: string[]; stored: number }> {
  const databases: string[] = [];
  let stored = 0;
  for (const entry of corpus.lines) {
    for (let i = 0; ; i++) {
      if (i === databases.length) {
        databases.push(`corpus${i}`);
        await src.query(`CREATE DATABASE corpus${i}`);
      }
      const status = await write(databases[i]!, bytesOf(entry));
      if (status === 204) break;
      if (status !== 400) throw new Error(`${entry.from}: the source answered ${status} to ${JSON.stringify(entry.line ?? entry.base64)}`);
    }
    stored++;
  }
  return { databases, stored };
}

async function write(db: string, body: Buffer): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${src.url}/write?db=${db}&precision=ns`, { method: 'POST', body });
    await res.arrayBuffer();
    // InfluxDB 1.6 refuses a new field of a measurement whose name is not UTF-8 once (its field index cannot be
    // saved), then takes it.
    if (res.status !== 500 || attempt > 2) return res.status;
  }
}

describe('influxdb-copy on the line-protocol corpus', () => {
  it('copies every line a 1.x server stores, point for point, type for type and byte for byte', async () => {
    const { databases, stored } = await load();
    expect(stored).toBe(corpus.lines.length);
    ws.write(
      'config/corpus.yaml',
      databases.map((db) => `${db}:\n  source_server: { url: "${src.url}", database: ${db} }\n  destination_server: { url: "${dst.url}", database: ${db} }\n  backup_config: { mode: full, validate_data: checksum, retries: 1 }\n`).join(''),
    );
    const { code, stdout, stderr } = await runCli(['--json', '-p', '2'], { cwd: ws.dir });
    const summary = JSON.parse(stdout) as RunSummary;
    for (const p of summary.processes) expect(p.status, `${p.name}: ${JSON.stringify(p.error)}\n${stderr}`).toBe('success');
    expect(code).toBe(0);
    for (const db of databases) {
      const [before, after] = [await src.dump(db), await dst.dump(db)];
      expect(before.length).toBeGreaterThan(0);
      expect(after).toEqual(before);
    }
  });
});
