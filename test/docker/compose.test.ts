import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseArgs, type Args, type ScheduleArgs, type WorkerArgs } from '../../src/cli/args.js';
import { resultPoint } from '../../src/monitoring/point.js';
import type { ProcessResult } from '../../src/core/result.js';
import { runCli } from '../helpers/cli.js';
import { Influxd } from '../helpers/influxd.js';

// No Docker engine runs on the development machines: the stack under docker/ is checked statically here. The
// compose file is parsed, every path it mounts or builds from must exist, every variable must be in
// .env.example, the scheduler's and the workers' command lines are parsed by main's own parser and the mounted
// config validated by the real CLI, the distributed profile's Redis is checked for a password, persistence and
// an authenticated healthcheck, and the Grafana provisioning and dashboards must read what the scheduler writes.
// Each check collects problems as "file: what is wrong", so that a failure names them all.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCKER = join(ROOT, 'docker');
const COMPOSE = join(DOCKER, 'docker-compose.yml');
const PROFILES = ['development', 'production', 'distributed'];
const MEASUREMENT = 'backup_runs';
// The monitoring contract: the tags and fields of a backup_runs point.
const POINT_KEYS = ['process', 'type', 'status', 'host', 'duration_ms', 'failed', 'records_read', 'records_written', 'records_rejected', 'integrity_ok', 'integrity_failed_checks', 'run_id', 'error_code'];

const show = (path: string) => relative(ROOT, path) || '.';

function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'), { merge: true });
}

// docker/.env.example as the variables compose and the scheduler would get from docker/.env.
function envExample(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(DOCKER, '.env.example'), 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!.trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return env;
}

// Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $VAR, $$.
const COMPOSE_VAR = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

function composeVariables(text: string): string[] {
  return [...text.matchAll(COMPOSE_VAR)].filter((m) => m[0] !== '$$').map((m) => (m[1] ?? m[5])!);
}

// Problems met while interpolating (a missing variable becomes ""), reported by the variables test.
const unresolved: string[] = [];

function interpolate(value: unknown, env: Record<string, string>, where: string): unknown {
  if (typeof value === 'string') {
    return value.replace(COMPOSE_VAR, (whole, name: string | undefined, colon: string, op: string | undefined, arg: string, bare: string | undefined) => {
      if (whole === '$$') return '$';
      const key = (name ?? bare)!;
      const set = env[key];
      const unset = set === undefined || (colon === ':' && set === '');
      if (op === '-') return unset ? arg : set!;
      if (unset && op === '?') unresolved.push(`${where}: \${${key}} is required (${arg}) and not set by docker/.env.example`);
      else if (set === undefined) unresolved.push(`${where}: \${${key}} is not defined in docker/.env.example`);
      return set ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env, where));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, where)]));
  return value;
}

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  profiles?: string[];
  volumes?: Array<string | { type?: string; source?: string; target: string; read_only?: boolean }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  environment?: Record<string, string> | string[];
  env_file?: string | Array<string | { path: string }>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  ports?: string[];
  hostname?: string;
  deploy?: { replicas?: number | string };
  stop_grace_period?: string;
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const raw = readYaml(COMPOSE) as Compose;
const env = envExample();
const compose = interpolate(raw, env, show(COMPOSE)) as Compose;
const services = Object.entries(compose.services);

interface Mount {
  source?: string;
  target: string;
  bind: boolean;
  readOnly: boolean;
}

function mounts(service: Service): Mount[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source, target: v.target, bind: v.type === 'bind', readOnly: Boolean(v.read_only) };
    const parts = v.split(':');
    if (parts.length === 1) return { target: parts[0]!, bind: false, readOnly: false };
    const source = parts[0]!;
    return { source, target: parts[1]!, bind: /^[./~]/.test(source), readOnly: (parts[2] ?? '').split(',').includes('ro') };
  });
}

// The mount a container path lives on (the deepest one), if any.
function mountOf(service: Service, containerPath: string): Mount | undefined {
  const within = (m: Mount) => containerPath === m.target || containerPath.startsWith(`${m.target.replace(/\/$/, '')}/`);
  return mounts(service)
    .filter(within)
    .sort((a, b) => b.target.length - a.target.length)[0];
}

// Where a container path is on this machine, through a bind mount of the service.
function hostPath(service: Service, containerPath: string): string | undefined {
  const m = mountOf(service, containerPath);
  if (!m?.bind || !m.source) return undefined;
  return join(resolve(DOCKER, m.source), posix.relative(m.target, containerPath));
}

function environment(service: Service): Record<string, string> {
  const e = service.environment ?? {};
  if (!Array.isArray(e)) return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]));
  return Object.fromEntries(e.map((kv) => [kv.split('=')[0]!, kv.split('=').slice(1).join('=')]));
}

function dependsOn(service: Service): Record<string, { condition?: string }> {
  const d = service.depends_on ?? {};
  return Array.isArray(d) ? Object.fromEntries(d.map((name) => [name, {}])) : d;
}

function buildOf(service: Service): { context: string; dockerfile: string } | undefined {
  if (!service.build) return undefined;
  const b = typeof service.build === 'string' ? { context: service.build } : service.build;
  const context = resolve(DOCKER, b.context ?? '.');
  return { context, dockerfile: resolve(context, b.dockerfile ?? 'Dockerfile') };
}

const words = (v: string[] | string | undefined): string[] | undefined => (typeof v === 'string' ? v.trim().split(/\s+/) : v);

// --- the Dockerfile, as instructions per stage -------------------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
}

function dockerfileStages(path: string): Instruction[][] {
  const text = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const stages: Instruction[][] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const instruction = { keyword: m[1]!.toUpperCase(), args: m[2]!.trim() };
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

const DOCKERFILE = join(DOCKER, 'Dockerfile');
const stages = dockerfileStages(DOCKERFILE);
const runtime = stages.at(-1) ?? [];
const last = (keyword: string) => runtime.filter((i) => i.keyword === keyword).at(-1)?.args;
const execForm = (args: string | undefined): string[] | undefined => {
  try {
    const form = JSON.parse(args ?? '') as unknown;
    return Array.isArray(form) && form.every((w) => typeof w === 'string') ? form : undefined;
  } catch {
    return undefined;
  }
};
const entrypoint = execForm(last('ENTRYPOINT'));
const healthcheck = execForm(last('HEALTHCHECK')?.replace(/^(--\S+\s+)*CMD\s+/, ''));
const MAIN = ['node', '/app/dist/main.js'];
// tini is PID 1 (signals forwarded, orphans reaped), main its child.
const ENTRYPOINT = ['tini', '--', ...MAIN];
// The role-aware check: for `main schedule` it runs `main health` on the --state of the container's own command
// line, so the store it reads is the scheduler's by construction (test/image/ runs it in the image).
const HEALTHCHECK = ['node', '/app/healthcheck.mjs'];
const HEALTHCHECK_SCRIPT = join(DOCKER, 'healthcheck.mjs');

// A `main` command line of the image: what follows `node /app/dist/main.js`, parsed by main's own parser.
function mainArgs(argv: string[] | undefined, what: string): Args {
  if (!argv) throw new Error(`${what}: no command line`);
  try {
    return parseArgs(argv);
  } catch (error) {
    throw new Error(`${what}: \`main ${argv.join(' ')}\` is not a valid invocation: ${(error as Error).message}`, { cause: error });
  }
}

// Services that run our image: built from docker/Dockerfile.
const ours = services.filter(([, s]) => buildOf(s)?.dockerfile === DOCKERFILE);
const schedulers = ours.filter(([, s]) => words(s.command)?.[0] === 'schedule');
const workers = ours.filter(([, s]) => words(s.command)?.[0] === 'worker');
const redises = services.filter(([, s]) => /^redis:/.test(s.image ?? ''));
const inProfile = (profile: string) => ([, s]: [string, Service]) => Boolean(s.profiles?.includes(profile));

// The variable a value is taken from when it is exactly one ${VAR} (with a default or an error), else undefined.
const variableOf = (value: unknown): string | undefined => (typeof value === 'string' ? /^\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?][^}]*)?\}$/.exec(value)?.[1] : undefined);
// The word after a flag of a command line.
const optionOf = (argv: string[] | undefined, flag: string): string | undefined => {
  const i = (argv ?? []).indexOf(flag);
  return i < 0 ? undefined : argv![i + 1];
};
// A compose duration (150s, 1m30s) in seconds.
function seconds(duration: string | undefined): number | undefined {
  if (!duration || !/^(\d+(\.\d+)?(h|ms|m|s|us))+$/.test(duration)) return undefined;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 };
  return [...duration.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)].reduce((sum, [, n, u]) => sum + Number(n) * unit[u!]!, 0);
}
// The --queue of a `main` command line, when it has one.
const queueOf = (args: Args): string | undefined => (args.command === 'worker' || args.command === 'schedule' ? args.queue : undefined);

describe('docker/docker-compose.yml', () => {
  it('gives every service a known profile, and every dependency is a service of each of its profiles with the healthcheck it waits for', () => {
    const problems: string[] = [];
    for (const [name, s] of services) {
      if (!s.profiles?.length) problems.push(`${show(COMPOSE)}: service "${name}" has no profiles (it would start in every profile)`);
      for (const p of s.profiles ?? []) if (!PROFILES.includes(p)) problems.push(`${show(COMPOSE)}: service "${name}" has the unknown profile "${p}" (known: ${PROFILES.join(', ')})`);
      if (!s.image && !s.build) problems.push(`${show(COMPOSE)}: service "${name}" has neither an image nor a build`);
      for (const [target, { condition }] of Object.entries(dependsOn(s))) {
        const t = compose.services[target];
        if (!t) {
          problems.push(`${show(COMPOSE)}: service "${name}" depends on "${target}", which is not a service`);
          continue;
        }
        const missing = (s.profiles ?? []).filter((p) => !(t.profiles ?? PROFILES).includes(p));
        if (missing.length) problems.push(`${show(COMPOSE)}: service "${name}" depends on "${target}", which is not in its profile(s) ${missing.join(', ')}: compose refuses to start it there`);
        // A service's own test replaces the image's HEALTHCHECK; `disable: true` removes both.
        const checked = !t.healthcheck?.disable && (t.healthcheck?.test !== undefined || (buildOf(t)?.dockerfile === DOCKERFILE && Boolean(healthcheck)));
        if (condition === 'service_healthy' && !checked) problems.push(`${show(COMPOSE)}: service "${name}" waits for "${target}" to be healthy, and "${target}" has no healthcheck`);
      }
    }
    for (const profile of PROFILES) {
      const running = schedulers.filter(([, s]) => s.profiles?.includes(profile)).map(([n]) => n);
      if (running.length !== 1) problems.push(`${show(COMPOSE)}: profile "${profile}" should run exactly one \`main schedule\` service, runs ${running.length} (${running.join(', ')})`);
    }
    for (const [name, s] of services.filter(([, s]) => s.image?.startsWith('influxdb'))) {
      if (!/\/ping\b/.test(JSON.stringify(s.healthcheck?.test ?? ''))) problems.push(`${show(COMPOSE)}: InfluxDB service "${name}" has no /ping healthcheck`);
      if (s.image !== 'influxdb:1.8') problems.push(`${show(COMPOSE)}: InfluxDB service "${name}" should run influxdb:1.8, runs ${s.image}`);
    }
    for (const [name, s] of services.filter(([, s]) => s.image && !s.build)) {
      if (!/:[\w.-]+$/.test(s.image!) || /:latest$/.test(s.image!)) problems.push(`${show(COMPOSE)}: service "${name}" should pin its image tag, has "${s.image}"`);
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it('mounts and builds only from files that exist, and names every volume it uses', () => {
    const problems: string[] = [];
    for (const [name, s] of services) {
      for (const m of mounts(s)) {
        if (m.bind) {
          if (!existsSync(resolve(DOCKER, m.source!))) problems.push(`${show(COMPOSE)}: service "${name}" mounts ${m.source} (${show(resolve(DOCKER, m.source!))}), which does not exist`);
        } else if (m.source && !(m.source in (compose.volumes ?? {}))) {
          problems.push(`${show(COMPOSE)}: service "${name}" uses the volume "${m.source}", which is not declared under volumes:`);
        }
      }
      const build = buildOf(s);
      if (build) {
        if (!existsSync(build.context) || !statSync(build.context).isDirectory()) problems.push(`${show(COMPOSE)}: service "${name}" builds from the context ${show(build.context)}, which is not a folder`);
        if (!existsSync(build.dockerfile)) problems.push(`${show(COMPOSE)}: service "${name}" builds with ${show(build.dockerfile)}, which does not exist`);
      }
      const files = s.env_file === undefined ? [] : ([] as Array<string | { path: string }>).concat(s.env_file);
      for (const f of files.map((f) => (typeof f === 'string' ? f : f.path))) {
        // docker/.env holds the secrets and is never committed: it is made from .env.example.
        if (f !== '.env') problems.push(`${show(COMPOSE)}: service "${name}" reads env_file ${f}; only .env (made from .env.example) is expected`);
      }
    }
    for (const [name, s] of services) {
      for (const arg of words(s.command) ?? []) {
        const file = /^-config\.file=(.+)$/.exec(arg)?.[1];
        if (!file) continue;
        const host = hostPath(s, file);
        if (!host || !existsSync(host) || !statSync(host).isFile()) problems.push(`${show(COMPOSE)}: service "${name}" reads ${file}, which no bind mount of an existing file provides`);
      }
      for (const [key, value] of Object.entries(environment(s))) {
        if (!/_PATH$/.test(key) || !value.startsWith('/')) continue;
        const host = hostPath(s, value);
        if (!host || !existsSync(host)) problems.push(`${show(COMPOSE)}: service "${name}" sets ${key}=${value}, which no bind mount of an existing file provides`);
      }
    }
    try {
      execFileSync('git', ['check-ignore', '-q', 'docker/.env'], { cwd: ROOT });
    } catch {
      problems.push('docker/.env: not ignored by git (it holds the passwords)');
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it('takes every variable it, docker/config and the Grafana provisioning name from .env.example, and writes no password itself', () => {
    const problems: string[] = [...unresolved];
    for (const name of new Set(strings(raw).flatMap(composeVariables))) if (!(name in env)) problems.push(`${show(COMPOSE)}: \${${name}} is not defined in docker/.env.example`);
    for (const [name, s] of Object.entries(raw.services)) {
      for (const [key, value] of Object.entries(environment(s))) {
        if (/PASSWORD|SECRET|TOKEN|_AUTH$/i.test(key) && !/^\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?\}$/.test(value)) problems.push(`${show(COMPOSE)}: service "${name}" sets ${key} to a literal; take it from .env as \${VAR}`);
      }
      const argv = words(s.command) ?? [];
      for (const flag of ['--requirepass', '--masterauth', '-a', '--pass']) {
        const value = optionOf(argv, flag);
        if (value !== undefined && !variableOf(value)) problems.push(`${show(COMPOSE)}: service "${name}" gives ${flag} a literal in its command; take it from .env as \${VAR}`);
      }
      for (const arg of argv) if (/^[a-z]+:\/\/[^/@\s]*:[^/@\s]+@/i.test(arg)) problems.push(`${show(COMPOSE)}: service "${name}" has a password in the URL ${arg.replace(/:[^/@:]+@/, ':***@')} of its command; a command line is visible to every user, use the environment (SAT_QUEUE_PASSWORD)`);
    }
    for (const file of yamlFiles(join(DOCKER, 'config'))) {
      const config = readYaml(file);
      for (const [, name] of strings(config).flatMap((v) => [...v.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)])) {
        const given = schedulers.some(([, s]) => name! in environment(s));
        if (!(name! in env) && !given) problems.push(`${show(file)}: \${${name}} is not defined in docker/.env.example`);
      }
      for (const [key, value] of entries(config)) if (/password|secret|token/i.test(key) && !/^\$\{[^}]+\}$/.test(String(value))) problems.push(`${show(file)}: "${key}" is a literal; use \${VAR}`);
    }
    for (const [key, value] of Object.entries(env)) if (/PASSWORD/.test(key) && value !== 'change-me') problems.push(`docker/.env.example: ${key} should be the placeholder "change-me", is "${value}"`);
    const grafana = grafanaService();
    for (const file of yamlFiles(join(DOCKER, 'grafana', 'provisioning'))) {
      const provisioning = readYaml(file);
      for (const [, braced, bare] of strings(provisioning).flatMap((v) => [...v.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g)])) {
        const name = (braced ?? bare)!;
        if (!(name in environment(grafana[1]))) problems.push(`${show(file)}: $${name} is not in the environment of service "${grafana[0]}"`);
      }
      for (const [key, value] of entries(provisioning)) if (/password|secret|token/i.test(key) && !/^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(String(value))) problems.push(`${show(file)}: "${key}" is a literal; use \${VAR}`);
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it('runs `main schedule` (the image entrypoint with the service command) on the mounted config, with the state store the HEALTHCHECK reads', () => {
    expect(schedulers.length, `${show(COMPOSE)}: no service runs \`main schedule\` from docker/Dockerfile`).toBeGreaterThan(0);
    const problems: string[] = [];
    const script = readFileSync(HEALTHCHECK_SCRIPT, 'utf8');
    if (JSON.stringify(healthcheck) !== JSON.stringify(HEALTHCHECK) || !/role === 'schedule'[\s\S]*'health', '--state', state/.test(script)) problems.push(`${show(DOCKERFILE)}: HEALTHCHECK should be ${JSON.stringify(HEALTHCHECK)}, which runs \`main health --state\` with the scheduler's own --state`);
    for (const [name, s] of schedulers) {
      if (s.entrypoint !== undefined && JSON.stringify(words(s.entrypoint)) !== JSON.stringify(ENTRYPOINT)) problems.push(`${show(COMPOSE)}: service "${name}" replaces the entrypoint with ${JSON.stringify(s.entrypoint)}`);
      const args = mainArgs(words(s.command), `${show(COMPOSE)} service "${name}"`);
      if (args.command !== 'schedule') {
        problems.push(`${show(COMPOSE)}: service "${name}" runs \`main ${args.command}\`, not \`main schedule\``);
        continue;
      }
      const config = mountOf(s, args.config);
      if (!config?.bind || config.target !== args.config || !config.readOnly) problems.push(`${show(COMPOSE)}: service "${name}": --config ${args.config} should be a read-only bind mount of a folder of process files`);
      else if (!existsSync(hostPath(s, args.config)!) || !statSync(hostPath(s, args.config)!).isDirectory()) problems.push(`${show(COMPOSE)}: service "${name}": --config ${args.config} is mounted from a file, not a folder`);
      for (const [flag, path] of [['--state', dirname(args.state)], ['--log-dir', args.logDir]] as const) {
        const m = mountOf(s, path);
        if (!m || m.bind || !m.source) problems.push(`${show(COMPOSE)}: service "${name}": ${flag} ${path} is on no named volume, and would be lost with the container`);
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it('mounts on the scheduler a config folder that `main --validate-only` accepts with the variables of .env.example, and whose URLs name services of the stack', async () => {
    for (const [name, s] of schedulers) {
      const args = mainArgs(words(s.command), name);
      if (args.command !== 'schedule') continue;
      const folder = hostPath(s, args.config);
      if (!folder || !existsSync(folder)) throw new Error(`${show(COMPOSE)}: service "${name}": --config ${args.config} is mounted from no existing folder`);
      const serviceEnv = { ...env, ...environment(s) };
      const r = await runCli(['--validate-only', '--config', folder], { cwd: ROOT, env: serviceEnv });
      expect(r.code, `service "${name}": main --validate-only --config ${show(folder)} failed:\n${r.stdout}${r.stderr}`).toBe(0);

      // The hosts the processes talk to are services running next to the scheduler in each of its profiles.
      const problems: string[] = [];
      const processes: Array<[string, Record<string, unknown>]> = [];
      for (const file of yamlFiles(folder)) {
        const doc = interpolate(readYaml(file), serviceEnv, show(file)) as Record<string, Record<string, unknown>>;
        for (const [process, spec] of Object.entries(doc ?? {})) if (!process.startsWith('.')) processes.push([process, spec]);
        for (const url of JSON.stringify(doc).match(/https?:\/\/[^"/\s]+/g) ?? []) {
          const host = new URL(url).hostname;
          if (host.includes('.')) continue; // a server outside the stack (production)
          for (const profile of s.profiles ?? []) {
            if (!compose.services[host]?.profiles?.includes(profile)) problems.push(`${show(file)}: ${url} (service "${name}", profile ${profile}) names no service of that profile`);
          }
        }
      }
      const copies = processes.filter(([, p]) => (p.type ?? 'influxdb-copy') === 'influxdb-copy' && p.schedule);
      if (!copies.length) problems.push(`${show(folder)}: no scheduled influxdb-copy process`);
      for (const [process, p] of processes) {
        if (!p.monitoring) problems.push(`${show(folder)}: process "${process}" has no monitoring: section, so the dashboard would not show it`);
        if (!(p.logging as { loki?: unknown } | undefined)?.loki) problems.push(`${show(folder)}: process "${process}" sends no logs to Loki (logging.loki)`);
      }
      expect([...new Set(problems)]).toEqual([]);
    }
  });
  it('runs a Redis in each profile that queues: official 7.x image, a password from .env, appendonly on a named volume, an authenticated redis-cli ping, not published beyond 127.0.0.1', () => {
    const problems: string[] = [];
    const queued = PROFILES.filter((p) => ours.some(([n, s]) => s.profiles?.includes(p) && queueOf(mainArgs(words(s.command), `${show(COMPOSE)} service "${n}"`))));
    for (const profile of queued) if (!redises.some(inProfile(profile))) problems.push(`${show(COMPOSE)}: profile "${profile}" runs \`main\` with --queue and no Redis service (image redis:…)`);
    for (const [name, s] of redises) {
      const rawService = raw.services[name]!;
      if (!/^redis:[78]\.\d+(\.\d+)?(-[a-z0-9.]+)?$/.test(s.image!)) problems.push(`${show(COMPOSE)}: service "${name}" should run the official Redis image pinned to a 7.x or 8.x tag (redis:7.4.6), runs ${s.image}`);
      const argv = words(s.command) ?? [];
      if (argv[0] !== 'redis-server') problems.push(`${show(COMPOSE)}: service "${name}": its command should start redis-server (with the options below), is ${JSON.stringify(argv)}`);
      if (optionOf(argv, '--appendonly') !== 'yes') problems.push(`${show(COMPOSE)}: service "${name}" runs Redis without --appendonly yes: restarted empty, it loses every queued job`);
      const dir = optionOf(argv, '--dir') ?? '/data';
      const data = mountOf(s, dir);
      if (!data || data.bind || !data.source) problems.push(`${show(COMPOSE)}: service "${name}" keeps its append-only file in ${dir}, on no named volume: it would go with the container`);
      const passVar = variableOf(optionOf(words(rawService.command), '--requirepass'));
      if (!passVar) problems.push(`${show(COMPOSE)}: service "${name}" should set --requirepass to a \${VAR} of .env in its command, has ${optionOf(argv, '--requirepass') === undefined ? 'none' : 'a literal'}`);
      const test = JSON.stringify(rawService.healthcheck?.test ?? '');
      if (rawService.healthcheck?.disable || !/redis-cli/.test(test) || !/\bping\b/i.test(test)) problems.push(`${show(COMPOSE)}: service "${name}" has no redis-cli ping healthcheck (${test})`);
      else {
        // With requirepass an unauthenticated ping answers NOAUTH; older redis-cli exits 0 on it, so look for PONG.
        const authenticated = passVar && (variableOf(environment(rawService).REDISCLI_AUTH) === passVar || (/\s-a\s/.test(test) && test.includes(passVar)));
        if (!authenticated) problems.push(`${show(COMPOSE)}: service "${name}": its healthcheck does not authenticate with ${passVar ? `\${${passVar}}` : 'the --requirepass password'} (REDISCLI_AUTH or -a): it would always get NOAUTH`);
        if (!/PONG/.test(test)) problems.push(`${show(COMPOSE)}: service "${name}": its healthcheck should look for PONG; redis-cli may exit 0 on an error answer such as NOAUTH`);
      }
      for (const [k, port] of (s.ports ?? []).entries()) {
        const rawPort = String(rawService.ports?.[k]);
        const loopback = /^127\.0\.0\.1:/.test(String(port)) && (/^127\.0\.0\.1:/.test(rawPort) || /^\$\{[A-Za-z_][A-Za-z0-9_]*:-127\.0\.0\.1\}:/.test(rawPort));
        if (!loopback) problems.push(`${show(COMPOSE)}: service "${name}" publishes Redis on ${rawPort} (${port} with .env.example); by default it should be 127.0.0.1 only`);
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it('runs `main worker` and `main schedule --queue` (parsed by main\'s parser) on the Redis service of their profile, with the password in SAT_QUEUE_PASSWORD, the same process files, and state on their own named volumes', () => {
    const problems: string[] = [];
    for (const profile of PROFILES) {
      const producers = schedulers.filter(inProfile(profile)).filter(([n, s]) => queueOf(mainArgs(words(s.command), `${show(COMPOSE)} service "${n}"`)));
      const takers = workers.filter(inProfile(profile));
      if (takers.length && !producers.length) problems.push(`${show(COMPOSE)}: profile "${profile}" runs \`main worker\` (${takers.map(([n]) => n).join(', ')}) and its scheduler enqueues nothing (no --queue): the workers would wait for ever`);
      if (producers.length && !takers.length) problems.push(`${show(COMPOSE)}: profile "${profile}" enqueues (${producers.map(([n]) => n).join(', ')} has --queue) and runs no \`main worker\` service to take the jobs`);
      for (const [wName, w] of takers) {
        const wArgs = mainArgs(words(w.command), `${show(COMPOSE)} service "${wName}"`) as WorkerArgs;
        for (const [pName, p] of producers) {
          const pArgs = mainArgs(words(p.command), `${show(COMPOSE)} service "${pName}"`) as ScheduleArgs;
          if (new URL(wArgs.queue).host !== new URL(pArgs.queue!).host || new URL(wArgs.queue).pathname !== new URL(pArgs.queue!).pathname) problems.push(`${show(COMPOSE)}: profile "${profile}": service "${wName}" takes jobs from ${wArgs.queue}, service "${pName}" enqueues on ${pArgs.queue}`);
          if (hostPath(w, wArgs.config) !== hostPath(p, pArgs.config)) problems.push(`${show(COMPOSE)}: profile "${profile}": service "${wName}" reads its process files from ${hostPath(w, wArgs.config) ?? 'no bind mount'}, service "${pName}" from ${hostPath(p, pArgs.config) ?? 'no bind mount'}: every job would fail with E_CONFIG_DRIFT`);
        }
      }
    }
    for (const [name, s] of ours) {
      const args = mainArgs(words(s.command), `${show(COMPOSE)} service "${name}"`);
      const queue = queueOf(args);
      if (args.command === 'worker' || args.command === 'schedule') {
        const grace = seconds(s.stop_grace_period) ?? 10;
        if (grace <= args.grace) problems.push(`${show(COMPOSE)}: service "${name}": stop_grace_period ${s.stop_grace_period ?? '10s (the default)'} is not longer than its --grace ${args.grace}: compose would kill it before the runs under way end or go back to the queue`);
      }
      if (!queue) continue;
      const url = new URL(queue);
      if (url.username || url.password) problems.push(`${show(COMPOSE)}: service "${name}": --queue ${url.protocol}//***@${url.host} carries credentials; a command line is visible to every user: use SAT_QUEUE_PASSWORD`);
      const target = compose.services[url.hostname];
      const targetPort = Number(optionOf(words(target?.command), '--port') ?? 6379);
      for (const profile of s.profiles ?? []) {
        if (!target || !/^redis:/.test(target.image ?? '') || !target.profiles?.includes(profile)) problems.push(`${show(COMPOSE)}: service "${name}": --queue ${queue} names "${url.hostname}", which is not a Redis service of profile ${profile}`);
      }
      if (!target) continue;
      if (Number(url.port || 6379) !== targetPort) problems.push(`${show(COMPOSE)}: service "${name}": --queue ${queue} uses port ${url.port || 6379}, service "${url.hostname}" listens on ${targetPort}`);
      if (dependsOn(s)[url.hostname]?.condition !== 'service_healthy') problems.push(`${show(COMPOSE)}: service "${name}" should wait for "${url.hostname}" to be healthy (depends_on … condition: service_healthy): main exits 1 when its queue cannot be reached at start`);
      const passVar = variableOf(optionOf(words(raw.services[url.hostname]!.command), '--requirepass'));
      const given = variableOf(environment(raw.services[name]!).SAT_QUEUE_PASSWORD);
      if (passVar && given !== passVar) problems.push(`${show(COMPOSE)}: service "${name}" should get SAT_QUEUE_PASSWORD as \${${passVar}} (the --requirepass of "${url.hostname}"), ${given ? `gets \${${given}}` : 'does not get it'}`);
    }
    const schedulerVolumes = new Set(schedulers.flatMap(([, s]) => mounts(s).filter((m) => !m.bind && m.source).map((m) => m.source!)));
    for (const [name, w] of workers) {
      const args = mainArgs(words(w.command), `${show(COMPOSE)} service "${name}"`) as WorkerArgs;
      const config = mountOf(w, args.config);
      if (!config?.bind || config.target !== args.config || !config.readOnly) problems.push(`${show(COMPOSE)}: service "${name}": --config ${args.config} should be a read-only bind mount of the folder of process files`);
      for (const [flag, path] of [['--state', dirname(args.state)], ['--log-dir', args.logDir]] as const) {
        const m = mountOf(w, path);
        if (!m || m.bind || !m.source) problems.push(`${show(COMPOSE)}: service "${name}": ${flag} ${path} is on no named volume, and would be lost with the container (the checkpoints are there)`);
        else if (schedulerVolumes.has(m.source)) problems.push(`${show(COMPOSE)}: service "${name}": ${flag} ${path} is on the volume "${m.source}" of a scheduler; give the workers their own`);
      }
      if (w.hostname) problems.push(`${show(COMPOSE)}: service "${name}" sets hostname "${w.hostname}": its replicas would share it, and a worker names itself and its locks by host (and pid, the same in each container)`);
      // The image's HEALTHCHECK is role-aware (healthcheck.mjs: for a worker, its connection to the queue); a
      // test of the service's own that runs `main health` would wait for a heartbeat a worker never writes.
      const test = w.healthcheck?.test;
      if (w.healthcheck?.disable || (test !== undefined && JSON.stringify(test).includes('"health"'))) problems.push(`${show(COMPOSE)}: service "${name}" ${w.healthcheck?.disable ? 'disables the image\'s role-aware HEALTHCHECK' : 'checks `main health` (the heartbeat of `main schedule`), which a worker never writes: it would be unhealthy for ever'}; keep the image's`);
      const replicas = w.deploy?.replicas;
      if (replicas !== undefined && !(/^\d+$/.test(String(replicas)) && Number(replicas) >= 1)) problems.push(`${show(COMPOSE)}: service "${name}": deploy.replicas is "${replicas}" with .env.example, not a whole number from 1`);
    }
    expect([...new Set(problems)]).toEqual([]);
  });
});

describe('docker/Dockerfile', () => {
  it('builds in stages on a Node LTS slim image, installs production dependencies with npm ci --omit=dev, runs as a non-root user, checks health with the role-aware healthcheck.mjs and enters `main` through tini', () => {
    const problems: string[] = [];
    const text = readFileSync(DOCKERFILE, 'utf8');
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1];
    if (stages.length < 2) problems.push(`${show(DOCKERFILE)}: not a multi-stage build (${stages.length} stage)`);
    for (const stage of stages) {
      const from = stage[0]!.args.split(/\s+/)[0]!.replace('${NODE_IMAGE}', base ?? '${NODE_IMAGE}');
      if (!/^node:(22|24)(\.\d+)*-[a-z]+-slim$/.test(from)) problems.push(`${show(DOCKERFILE)}: stage "FROM ${stage[0]!.args}" is not a Node LTS slim image (${from})`);
    }
    if (!/\bnpm ci\b[^\n]*--omit=dev/.test(text)) problems.push(`${show(DOCKERFILE)}: no \`npm ci --omit=dev\``);
    const user = last('USER');
    if (!user || /^(root|0)(:|$)/.test(user)) problems.push(`${show(DOCKERFILE)}: the runtime stage runs as ${user ?? 'root (no USER)'}`);
    if (JSON.stringify(entrypoint) !== JSON.stringify(ENTRYPOINT)) problems.push(`${show(DOCKERFILE)}: ENTRYPOINT should be ${JSON.stringify(ENTRYPOINT)}, is ${last('ENTRYPOINT')}`);
    if (!runtime.some((i) => i.keyword === 'COPY' && /\/app\/dist\b/.test(i.args))) problems.push(`${show(DOCKERFILE)}: the runtime stage does not copy the compiled dist/`);
    if (JSON.stringify(healthcheck) !== JSON.stringify(HEALTHCHECK)) problems.push(`${show(DOCKERFILE)}: HEALTHCHECK should run the role-aware ${JSON.stringify(HEALTHCHECK)} (exec form), is ${last('HEALTHCHECK')}`);
    if (!runtime.some((i) => i.keyword === 'COPY' && i.args.startsWith(`docker/healthcheck.mjs ${HEALTHCHECK[1]!.replace('/app/', './')}`))) problems.push(`${show(DOCKERFILE)}: the runtime stage does not copy docker/healthcheck.mjs to ${HEALTHCHECK[1]}`);
    const cmd = mainArgs(execForm(last('CMD')), `${show(DOCKERFILE)} CMD`);
    if (cmd.command !== 'schedule') problems.push(`${show(DOCKERFILE)}: the default CMD runs \`main ${cmd.command}\`, not \`main schedule\``);
    expect([...new Set(problems)]).toEqual([]);
  });

  it('copies only files of the build context that exist and that Dockerfile.dockerignore lets through', () => {
    const problems: string[] = [];
    const context = buildOf(schedulers[0]![1])!.context;
    const ignoreFile = `${DOCKERFILE}.dockerignore`;
    const ignored = existsSync(ignoreFile)
      ? readFileSync(ignoreFile, 'utf8')
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l && !l.startsWith('#'))
      : [];
    if (!ignored.length) problems.push(`${show(ignoreFile)}: missing or empty`);
    for (const must of ['node_modules', 'dist', 'data', '.git', 'test-results.json']) {
      if (!ignored.some((p) => p.replace(/^\*\*\//, '') === must)) problems.push(`${show(ignoreFile)}: does not exclude ${must}`);
    }
    for (const stage of stages) {
      for (const copy of stage.filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))) {
        const sources = copy.args.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1);
        for (const source of sources) {
          if (!existsSync(join(context, source))) problems.push(`${show(DOCKERFILE)}: COPY ${source}: ${show(join(context, source))} does not exist in the build context`);
          if (ignored.includes(source)) problems.push(`${show(DOCKERFILE)}: COPY ${source}, which ${show(ignoreFile)} excludes`);
        }
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });
});

describe('docker/grafana and docker/loki', () => {
  it('provisions data sources of services of the stack and a dashboard folder Grafana has mounted', () => {
    const problems: string[] = [];
    const [name, grafana] = grafanaService();
    const uids = datasourceUids();
    if (!uids.has('influxdb') || !uids.has('loki')) problems.push(`docker/grafana/provisioning/datasources: expected an influxdb and a loki data source, found ${[...uids.keys()].join(', ') || 'none'}`);
    for (const file of yamlFiles(join(DOCKER, 'grafana', 'provisioning', 'datasources'))) {
      for (const ds of (readYaml(file) as { datasources?: Array<{ name: string; url?: string }> }).datasources ?? []) {
        const host = ds.url ? new URL(ds.url).hostname : undefined;
        for (const profile of grafana.profiles ?? []) if (host && !compose.services[host]?.profiles?.includes(profile)) problems.push(`${show(file)}: data source "${ds.name}" reads ${ds.url}, no service of profile ${profile}`);
      }
    }
    const dashboards = yamlFiles(join(DOCKER, 'grafana', 'provisioning', 'dashboards'));
    if (!dashboards.length) problems.push('docker/grafana/provisioning/dashboards: no provider file');
    for (const file of dashboards) {
      for (const provider of (readYaml(file) as { providers?: Array<{ name: string; type?: string; options?: { path?: string } }> }).providers ?? []) {
        const path = provider.options?.path;
        const host = path ? hostPath(grafana, path) : undefined;
        if (!host || !existsSync(host)) problems.push(`${show(file)}: provider "${provider.name}" reads ${path}, which no bind mount of service "${name}" provides`);
        else if (!readdirSync(host).some((f) => f.endsWith('.json'))) problems.push(`${show(file)}: provider "${provider.name}" reads ${path} (${show(host)}), which holds no dashboard`);
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it('has dashboards that parse and whose every query reads backup_runs (with the fields of the contract) or Loki lines of job="sysadmintoolkit"', () => {
    const problems: string[] = [];
    const uids = datasourceUids();
    const folder = join(DOCKER, 'grafana', 'dashboards');
    const files = readdirSync(folder).filter((f) => f.endsWith('.json'));
    if (!files.length) problems.push(`${show(folder)}: no dashboard`);
    for (const f of files) {
      const file = join(folder, f);
      let dashboard: Dashboard;
      try {
        dashboard = JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
      } catch (error) {
        problems.push(`${show(file)}: not JSON: ${(error as Error).message}`);
        continue;
      }
      if (typeof dashboard.schemaVersion !== 'number' || dashboard.schemaVersion < 36) problems.push(`${show(file)}: schemaVersion ${dashboard.schemaVersion} is not a current Grafana dashboard`);
      if (!dashboard.uid || !dashboard.title) problems.push(`${show(file)}: no uid or title`);
      const panels = (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
      const ids = panels.map((p) => p.id);
      if (new Set(ids).size !== ids.length) problems.push(`${show(file)}: panel ids repeat (${ids.join(', ')})`);
      type Query = { where: string; ds: Target['datasource']; t: Target | undefined };
      const panelQueries = (p: Panel): Query[] => (p.targets?.length ? p.targets.map((t) => ({ where: `panel "${p.title}"`, ds: t.datasource ?? p.datasource, t })) : [{ where: `panel "${p.title}"`, ds: p.datasource, t: undefined }]);
      const queries: Query[] = [
        ...panels.filter((p) => p.type !== 'row').flatMap(panelQueries),
        ...(dashboard.templating?.list ?? []).filter((v) => v.type === 'query').map((v) => ({ where: `variable "${v.name}"`, ds: v.datasource, t: { query: typeof v.query === 'string' ? v.query : v.query?.query, rawQuery: true } })),
      ];
      for (const { where, ds, t } of queries) {
        if (!t) {
          problems.push(`${show(file)}: ${where} has no query`);
          continue;
        }
        const type = ds?.uid ? uids.get(ds.type ?? '') === ds.uid && ds.type : undefined;
        if (!type) problems.push(`${show(file)}: ${where} uses the data source ${JSON.stringify(ds)}, which is not provisioned`);
        if (type === 'influxdb') {
          if (!t.rawQuery || !t.query) problems.push(`${show(file)}: ${where}: expected a raw InfluxQL query (rawQuery: true)`);
          const from = [...(t.query ?? '').matchAll(/\bFROM\s+("(?:[^"]+)"|[\w.]+)/gi)].map((m) => m[1]!.replace(/"/g, ''));
          if (!from.length || from.some((m) => m !== MEASUREMENT)) problems.push(`${show(file)}: ${where} reads ${from.join(', ') || 'no measurement'}, not ${MEASUREMENT}`);
          const named = [...(t.query ?? '').replace(/\bAS\s+"[^"]+"/gi, '').matchAll(/"([^"]+)"/g)].map((m) => m[1]!).filter((k) => !from.includes(k));
          for (const key of named) if (!POINT_KEYS.includes(key)) problems.push(`${show(file)}: ${where} reads "${key}", which no backup_runs point has (${POINT_KEYS.join(', ')})`);
        } else if (type === 'loki') {
          if (!/\{[^}]*job="sysadmintoolkit"/.test(t.expr ?? '')) problems.push(`${show(file)}: ${where}: the Loki query ${JSON.stringify(t.expr)} does not select {job="sysadmintoolkit"}`);
        }
      }
      for (const p of panels) {
        const g = p.gridPos;
        if (!g || g.x < 0 || g.w < 1 || g.x + g.w > 24) problems.push(`${show(file)}: panel "${p.title}" is outside the 24-column grid (${JSON.stringify(g)})`);
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it('has InfluxQL queries that run on a real InfluxDB 1.x holding points written by resultPoint(), and each returns rows', async () => {
    const influx = await Influxd.start();
    try {
      await influx.query('CREATE DATABASE "sysadmintoolkit"');
      const now = Date.now();
      const result = (name: string, status: ProcessResult['status'], extra: Partial<ProcessResult> = {}): ProcessResult => ({ name, file: 'config/a.yaml', type: 'influxdb-copy', status, startedAt: new Date(now).toISOString(), durationMs: 1234, ...extra });
      const points = [
        resultPoint(MEASUREMENT, {}, 'scheduler', result('nightly_metrics', 'success', { records: { read: 10, written: 10, rejected: 0 }, integrity: { ok: true, checks: [{ name: 'count', ok: true }] } }), 'run-1', now - 7_200_000),
        resultPoint(MEASUREMENT, {}, 'scheduler', result('nightly_metrics', 'failed', { records: { read: 10, written: 9, rejected: 1 }, integrity: { ok: false, checks: [{ name: 'count', ok: false }] }, error: { code: 'E_INTEGRITY', message: 'count differs' } }), 'run-2', now - 3_600_000),
        resultPoint(MEASUREMENT, {}, 'scheduler', result('config_archive', 'skipped', { type: 'command', error: { code: 'E_SKIPPED', message: 'disabled' } }), 'run-3', now - 60_000),
      ];
      const res = await fetch(`${influx.url}/write?db=sysadmintoolkit&precision=ms`, { method: 'POST', body: points.join('\n') });
      expect(res.status, await res.text()).toBe(204);

      const problems: string[] = [];
      const folder = join(DOCKER, 'grafana', 'dashboards');
      for (const f of readdirSync(folder).filter((f) => f.endsWith('.json'))) {
        const file = join(folder, f);
        const dashboard = JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
        const panels = (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
        const influxQueries = [
          ...panels.flatMap((p) => (p.targets ?? []).filter((t) => (t.datasource ?? p.datasource)?.type === 'influxdb').map((t) => [`panel "${p.title}"`, t.query ?? ''] as const)),
          ...(dashboard.templating?.list ?? []).filter((v) => v.datasource?.type === 'influxdb').map((v) => [`variable "${v.name}"`, typeof v.query === 'string' ? v.query : (v.query?.query ?? '')] as const),
        ];
        // As Grafana sends them: the time range, the interval, and the process variable as "All" and as one value.
        for (const [where, query] of influxQueries) {
          for (const process of ['.*', 'nightly_metrics']) {
            const q = query.replaceAll('$timeFilter', 'time > now() - 7d').replaceAll('$__interval', '1h').replaceAll('$process', process);
            try {
              const body = (await influx.query(q, 'sysadmintoolkit')) as { results: Array<{ series?: Array<{ values?: unknown[][] }> }> };
              const rows = body.results.flatMap((r) => r.series ?? []).flatMap((s) => s.values ?? []);
              if (!rows.length) problems.push(`${show(file)}: ${where} returns no rows (process ${process}): ${q}`);
            } catch (error) {
              problems.push(`${show(file)}: ${where} is refused by InfluxDB: ${(error as Error).message}`);
            }
          }
        }
      }
      expect([...new Set(problems)]).toEqual([]);
    } finally {
      await influx.stop();
    }
  });

  it('has a Loki configuration that parses, listens where the stack sends, and keeps its data on the Loki volume', () => {
    const problems: string[] = [];
    const loki = compose.services.loki!;
    const configPath = words(loki.command)?.map((a) => /^-config\.file=(.+)$/.exec(a)?.[1]).find(Boolean);
    const file = configPath ? hostPath(loki, configPath) : undefined;
    if (!file || !existsSync(file)) throw new Error(`${show(COMPOSE)}: service "loki" mounts no config file for -config.file`);
    const config = readYaml(file) as { server?: { http_listen_port?: number }; common?: { path_prefix?: string }; limits_config?: { retention_period?: string }; compactor?: { retention_enabled?: boolean } };
    if (config.server?.http_listen_port !== 3100) problems.push(`${show(file)}: Loki listens on ${config.server?.http_listen_port}, the process files and Grafana use 3100`);
    const prefix = config.common?.path_prefix;
    const volume = prefix ? mountOf(loki, prefix) : undefined;
    if (!volume || volume.bind) problems.push(`${show(file)}: path_prefix ${prefix} is on no named volume of service "loki"`);
    if (!config.compactor?.retention_enabled || !config.limits_config?.retention_period) problems.push(`${show(file)}: no retention (compactor.retention_enabled and limits_config.retention_period)`);
    expect([...new Set(problems)]).toEqual([]);
  });
});

interface Target {
  datasource?: { type?: string; uid?: string };
  rawQuery?: boolean;
  query?: string;
  expr?: string;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
  gridPos?: { x: number; y: number; w: number; h: number };
}

interface Dashboard {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  panels?: Panel[];
  templating?: { list?: Array<{ name: string; type: string; datasource?: { type?: string; uid?: string }; query?: string | { query?: string } }> };
}

function grafanaService(): [string, Service] {
  const found = services.find(([, s]) => s.image?.startsWith('grafana/grafana'));
  if (!found) throw new Error(`${show(COMPOSE)}: no Grafana service`);
  return found;
}

// Provisioned data sources: type → uid.
function datasourceUids(): Map<string, string> {
  const uids = new Map<string, string>();
  for (const file of yamlFiles(join(DOCKER, 'grafana', 'provisioning', 'datasources'))) {
    for (const ds of (readYaml(file) as { datasources?: Array<{ type: string; uid?: string }> }).datasources ?? []) if (ds.uid) uids.set(ds.type, ds.uid);
  }
  return uids;
}

// Every string value (not key, not comment) of a parsed document: what compose and main interpolate.
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

// Every [key, value] pair of a parsed document, at any depth.
function entries(value: unknown): Array<[string, unknown]> {
  if (Array.isArray(value)) return value.flatMap(entries);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [[k, v] as [string, unknown], ...entries(v)]);
  return [];
}

function yamlFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
