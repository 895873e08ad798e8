import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The stack is safe by default (issue 14): what docker/docker-compose.yml and docker/Dockerfile must keep, read
// from the files themselves. No engine needed; test/image/ builds and runs the image, compose.test.ts checks the
// rest of the stack (paths, variables, commands).

const DOCKER = fileURLToPath(new URL('../../docker/', import.meta.url));

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  ports?: string[];
  env_file?: unknown;
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown> | string[];
  healthcheck?: { disable?: boolean };
}

const compose = parse(readFileSync(join(DOCKER, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> } & Record<string, unknown>;
const services = Object.entries(compose.services);
const argv = (s: Service) => (typeof s.command === 'string' ? s.command.split(/\s+/) : (s.command ?? []));
// The services that run our image, and their role (main's command).
const ours = services.filter(([, s]) => s.build !== undefined);
const queued = (s: Service) => argv(s).includes('--queue');
// The ${VAR}s a piece of the compose file names.
const variables = (value: unknown) => new Set([...JSON.stringify(value ?? null).matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
// The ${VAR}s the process files of docker/config name: what the scheduler and the workers need.
const processVariables = new Set(
  readdirSync(join(DOCKER, 'config'))
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((f) => [...variables(parse(readFileSync(join(DOCKER, 'config', f), 'utf8'), { merge: true }))]),
);

// Who may get each secret of docker/.env: its server, and the clients that use it.
const MAIN_SERVICES = ours.map(([n]) => n);
const SECRET_USERS: Record<string, string[]> = {
  REDIS_PASSWORD: ['redis', ...ours.filter(([, s]) => queued(s)).map(([n]) => n)],
  SOURCE_INFLUXDB_PASSWORD: ['source-influxdb', ...MAIN_SERVICES],
  DESTINATION_INFLUXDB_PASSWORD: ['destination-influxdb', ...MAIN_SERVICES],
  MONITORING_INFLUXDB_ADMIN_PASSWORD: ['monitoring-influxdb'],
  MONITORING_INFLUXDB_PASSWORD: ['monitoring-influxdb', ...MAIN_SERVICES],
  GRAFANA_INFLUXDB_PASSWORD: ['monitoring-influxdb', 'grafana'],
  GF_SECURITY_ADMIN_PASSWORD: ['grafana'],
};
// Services that only receive what main sends (points, log lines) or show it: a backup never waits for them.
const RECEIVERS = ['monitoring-influxdb', 'loki', 'grafana'];

describe('docker/docker-compose.yml is safe by default', () => {
  it('publishes every port on 127.0.0.1 only (an address from .env must default to it)', () => {
    const problems = services.flatMap(([name, s]) =>
      (s.ports ?? []).filter((p) => !/^(127\.0\.0\.1|\$\{[A-Za-z_][A-Za-z0-9_]*:-127\.0\.0\.1\}):/.test(String(p))).map((p) => `service "${name}" publishes "${p}" beyond this machine`),
    );
    expect(problems).toEqual([]);
  });

  it('gives no service the whole .env (no env_file), and each secret only to the services that use it', () => {
    const problems: string[] = [];
    for (const [name, s] of services) if (s.env_file !== undefined) problems.push(`service "${name}" reads env_file ${JSON.stringify(s.env_file)}`);
    for (const [secret, users] of Object.entries(SECRET_USERS)) {
      for (const [name, s] of services) if (variables(s).has(secret) && !users.includes(name)) problems.push(`service "${name}" gets \${${secret}}, which only ${users.join(', ')} use`);
    }
    for (const name of variables(compose)) if (/PASSWORD|TOKEN|SECRET/.test(name) && !(name in SECRET_USERS)) problems.push(`\${${name}}: a secret this test does not know; add who may get it to SECRET_USERS`);
    expect(problems).toEqual([]);
  });

  it('gives the scheduler and the workers exactly the variables of docker/config (and the queue password to those with --queue)', () => {
    expect(processVariables.size).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const [name, s] of ours) {
      const given = new Set(Object.keys(s.environment ?? {}));
      for (const v of processVariables) if (!given.has(v)) problems.push(`service "${name}" does not get ${v}, which docker/config names`);
      const expected = new Set([...processVariables, ...(queued(s) ? ['SAT_QUEUE_PASSWORD'] : [])]);
      for (const v of given) if (!expected.has(v)) problems.push(`service "${name}" gets ${v}, which neither docker/config nor its command uses`);
    }
    expect(problems).toEqual([]);
  });

  it('starts the scheduler and the workers without waiting for monitoring or Loki, which can never cost a backup', () => {
    const problems: string[] = [];
    for (const [name, s] of ours) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const d of deps) if (RECEIVERS.includes(d)) problems.push(`service "${name}" waits for "${d}"`);
    }
    expect(problems).toEqual([]);
  });

  it('runs Redis 7.4.6 or later (the Lua fixes of 2025), pinned', () => {
    for (const [name, s] of services.filter(([, s]) => s.image?.startsWith('redis:'))) {
      const [major, minor, patch] = (/^redis:(\d+)\.(\d+)\.(\d+)/.exec(s.image!) ?? []).slice(1).map(Number);
      const ok = major !== undefined && (major > 7 || (major === 7 && (minor! > 4 || (minor === 4 && patch! >= 6))));
      expect(ok, `service "${name}" runs ${s.image}`).toBe(true);
    }
  });

  it('keeps the image\'s role-aware HEALTHCHECK on every service of our image', () => {
    expect(ours.filter(([, s]) => s.healthcheck?.disable).map(([n]) => n)).toEqual([]);
  });
});

describe('docker/Dockerfile is safe by default', () => {
  const text = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8')
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const runtime = text.slice(text.lastIndexOf('\nFROM '));

  it('starts FROM a build argument whose default is the official Node 24 image', () => {
    expect(/^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1]).toMatch(/^node:24([.-]|$)/);
    expect(text.match(/^FROM \S+/gm)?.every((f) => f === 'FROM ${NODE_IMAGE}')).toBe(true);
  });

  it('declares no VOLUME (an anonymous volume on every docker run)', () => {
    expect(text).not.toMatch(/^VOLUME\b/m);
  });

  it('runs tini, installed from Debian in the image, as PID 1', () => {
    expect(runtime).toMatch(/apt-get install[^\n]*\btini\b/);
    expect(/^ENTRYPOINT (.*)$/m.exec(runtime)?.[1]).toMatch(/^\["tini", "--", /);
  });

  it('holds no C++ toolchain: better-sqlite3 comes prebuilt', () => {
    expect(text).not.toMatch(/\b(g\+\+|build-essential|make|python3)\b/);
  });
});
