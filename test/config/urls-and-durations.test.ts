import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { formatProblem } from '../../src/config/problem.js';
import { processFileSchema } from '../../src/config/schema.js';
import { maskUrl, readUrl } from '../../src/lib/url.js';
import { LONG_MAX_SECONDS, TIMER_MAX_SECONDS } from '../../src/lib/schema-parts.js';
import { kinds } from '../../src/pipelines/registry.js';
import { Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

// Every character that broke a URL: # starts a fragment, / a path, a space ends it, @ and + are fine but confusing.
const PASS = 'Odd/Pw@ x+y#1';
const load = (env: Record<string, string> = { PASS }) => loadConfig(ws.path('config'), kinds(), { env, cwd: ws.dir });
const texts = (problems: Array<Parameters<typeof formatProblem>[0]>) => problems.map(formatProblem);

const influx = (source: string, more = '') =>
  `copy:\n  source_server: { url: "${source}", database: a }\n  destination_server: { url: "http://dst:8086", database: b }\n${more}`;

describe('a URL in a process file', () => {
  it('takes a password holding # / @ space + out of an InfluxDB URL, into user and password', async () => {
    ws.write('config/a.yaml', influx('http://admin:${PASS}@src:8086'));
    const { problems, processes, secrets } = await load();
    expect(problems).toEqual([]);
    expect(processes[0]!.config.source_server).toEqual({ url: 'http://src:8086', user: 'admin', password: PASS, database: 'a', tls_verify: true });
    expect(secrets).toContain(PASS);
  });

  it('does the same for every URL key: Loki, monitoring, the scan store', async () => {
    ws.write(
      'config/a.yaml',
      influx('http://src:8086', `  logging: { loki: { url: "https://loki:\${PASS}@loki.example:3100/" } }\n  monitoring: { url: "http://mon:\${PASS}@mon:8086", database: m }\n`) +
        `scan:\n  type: scan\n  sources_dir: sources\n  store: { kind: influxdb, url: "http://scan:\${PASS}@store:8086", database: s }\n`,
    );
    ws.write('sources/BORDE', 'http://mrtg/x.log;eth0;10;cisco\n');
    const { problems, processes } = await load();
    expect(texts(problems)).toEqual([]);
    const [copy, scan] = processes;
    expect(copy!.logging?.loki).toMatchObject({ url: 'https://loki.example:3100/', user: 'loki', password: PASS });
    expect(copy!.monitoring).toMatchObject({ url: 'http://mon:8086', user: 'mon', password: PASS });
    expect(scan!.config.store).toMatchObject({ url: 'http://store:8086', user: 'scan', password: PASS });
  });

  it('reads a percent-encoded user and password, and keeps a % that starts no escape', () => {
    expect(readUrl('http://ad%40min:Odd%2FPw%40%20x@h:1', ['http'])).toEqual({ ok: true, parts: expect.objectContaining({ url: 'http://h:1', user: 'ad@min', password: 'Odd/Pw@ x' }) });
    expect(readUrl('http://u:50%off@h', ['http'])).toEqual({ ok: true, parts: expect.objectContaining({ password: '50%off' }) });
  });

  it('refuses a URL that does not parse, showing it with its password masked', async () => {
    ws.write('config/a.yaml', influx('http://admin:${PASS}@src:80 86'));
    const lines = texts((await load()).problems);
    expect(lines).toEqual([
      'config/a.yaml:2:25: process "copy": expected "url" to be an http:// or https:// URL such as "http://localhost:8086", got "http://admin:***@src:80 86" (a space or a control character after the host)',
    ]);
    for (const piece of ['Odd', 'x+y', '#1']) expect(lines.join('\n')).not.toContain(piece);
  });

  it('refuses a Loki URL that does not parse and one whose scheme is not http, the password masked', async () => {
    ws.write('config/a.yaml', influx('http://src:8086', '  logging: { loki: { url: "http://loki:${PASS}@[bad" } }\n  monitoring: { url: "ftp://m:${PASS}@mon", database: m }\n'));
    const lines = texts((await load()).problems);
    expect(lines).toEqual([
      'config/a.yaml:4:27: process "copy": expected "url" to be an http:// or https:// URL such as "http://localhost:3100", got "http://loki:***@[bad"',
      'config/a.yaml:5:22: process "copy": expected "url" to be an http:// or https:// URL such as "http://localhost:8086", got "ftp://m:***@mon" (the scheme is not http:// or https://)',
    ]);
    expect(lines.join('\n')).not.toContain('Odd');
  });

  it('refuses a password in the URL that differs from the "password" key', async () => {
    ws.write('config/a.yaml', 'copy:\n  source_server: { url: "http://a:s3cret-one@src:8086", password: s3cret-two, database: a }\n  destination_server: { url: "http://dst:8086", database: b }\n');
    expect(texts((await load()).problems)).toEqual(['config/a.yaml:2:25: process "copy": "url" holds a password that differs from "password"; write the password in one place']);
  });

  it('masks what looks like a password in any URL quoted in a message, with or without a host after it', () => {
    expect(maskUrl('http://admin:pw/x#y@host:1/p')).toBe('http://admin:***@host:1/p');
    expect(maskUrl('http://admin:forgot-the-host')).toBe('http://admin:***');
    expect(maskUrl('http://host:8086/path and http://[::1]:8086')).toBe('http://host:8086/path and http://[::1]:8086');
  });

  it('is marked for parsing wherever the schema has one: every "url" key of every kind and shared section, next to user and password', () => {
    const found: string[] = [];
    walk(processFileSchema(kinds()), [], (schema, path, parent) => {
      if (path.at(-1) !== 'url' && !String(path.at(-1)).endsWith('_url')) return;
      found.push(path.filter((p) => p !== 'properties').join('.'));
      expect(schema['x-url'], path.join('.')).toEqual(['http', 'https']);
      expect(Object.keys(parent ?? {}), path.join('.')).toEqual(expect.arrayContaining(['user', 'password']));
    });
    expect(found.sort()).toEqual([
      'definitions.adatrap.logging.loki.url',
      'definitions.adatrap.monitoring.url',
      'definitions.adatrap.notify.items.allOf.0.then.url',
      'definitions.command.logging.loki.url',
      'definitions.command.monitoring.url',
      'definitions.command.notify.items.allOf.0.then.url',
      'definitions.influxdb-copy.destination_server.url',
      'definitions.influxdb-copy.logging.loki.url',
      'definitions.influxdb-copy.monitoring.url',
      'definitions.influxdb-copy.notify.items.allOf.0.then.url',
      'definitions.influxdb-copy.source_server.url',
      'definitions.logs.logging.loki.url',
      'definitions.logs.monitoring.url',
      'definitions.logs.notify.items.allOf.0.then.url',
      'definitions.scan.logging.loki.url',
      'definitions.scan.monitoring.url',
      'definitions.scan.notify.items.allOf.0.then.url',
      'definitions.scan.store.url',
    ]);
  });
});

describe('a duration in a process file', () => {
  it('has a maximum a Node.js timer can hold, or is waited in steps and may be up to a year', () => {
    walk(processFileSchema(kinds()), [], (schema, path) => {
      const key = String(path.at(-1));
      // A duration is a number of seconds or a string with units (x-duration); both have the maximum.
      if ((schema.type !== 'number' && !schema['x-duration']) || !/timeout|seconds|_ms$|interval|delay/.test(key)) return;
      const max = schema.maximum as number;
      expect(max, path.join('.')).toBeDefined();
      expect([TIMER_MAX_SECONDS, LONG_MAX_SECONDS, 300], path.join('.')).toContain(max);
    });
  });

  it('accepts a 30-day process and step timeout, and refuses request timeouts a timer cannot hold, saying why', async () => {
    ws.write(
      'config/a.yaml',
      `long:\n  type: command\n  timeout: 2592000\n  run: { argv: ["true"], timeout: 2592000 }\n` +
        `scan:\n  type: scan\n  sources_dir: sources\n  request_timeout: 3000000\n` +
        influx('http://src:8086', '  backup_config: { timeout: 2147484 }\n  monitoring: { url: "http://m:8086", database: m, timeout: 301 }\n') +
        `too_long:\n  type: command\n  timeout: 40000000\n  run: { argv: ["true"] }\n`,
    );
    ws.write('sources/BORDE', 'http://mrtg/x.log;eth0;10;cisco\n');
    expect(texts((await load()).problems)).toEqual([
      'config/a.yaml:8:20: process "scan": expected "request_timeout" to be at most 2147483 (seconds: about 24.8 days, the longest a Node.js timer can wait), got 3000000',
      'config/a.yaml:12:29: process "copy": expected "timeout" to be at most 2147483 (seconds: about 24.8 days, the longest a Node.js timer can wait), got 2147484',
      'config/a.yaml:13:61: process "copy": expected "timeout" to be at most 300 (seconds), got 301',
      'config/a.yaml:16:12: process "too_long": expected "timeout" to be at most 31622400 (seconds: a year; leave the key out for no limit), got 40000000',
    ]);
  });
});

type Visit = (schema: Record<string, unknown>, path: string[], parent?: Record<string, unknown>) => void;

// Every sub-schema of a JSON Schema, with its path and the properties object it sits in.
function walk(schema: unknown, path: string[], visit: Visit, parent?: Record<string, unknown>): void {
  if (!schema || typeof schema !== 'object') return;
  const s = schema as Record<string, unknown>;
  visit(s, path, parent);
  for (const [key, value] of Object.entries(s)) {
    if (key === 'properties' && value && typeof value === 'object') {
      for (const [name, sub] of Object.entries(value)) walk(sub, [...path, name], visit, value as Record<string, unknown>);
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, key, String(i)], visit));
    else if (value && typeof value === 'object') walk(value, [...path, key], visit);
  }
}
