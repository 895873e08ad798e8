import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { processAlive, Schedulers, type SchedulerRecord } from '../state/store.js';
import { storeReason, StoreUnusableError } from '../state/store-error.js';
import type { HealthArgs } from './args.js';
import type { Output } from './output.js';

const require = createRequire(import.meta.url);

// `main health` (the Docker HEALTHCHECK): exit 0 when a `main schedule` of this host has beaten within --max-age
// and its process is there, 1 with the reason otherwise. The store is opened read-only: a health check that
// created an empty store would hide a wrong --state.
export function healthCommand(args: HealthArgs, io: Output, now = new Date()): number {
  const host = hostname();
  const unhealthy = (why: string): number => {
    io.err(`unhealthy: ${why}`);
    return 1;
  };
  if (!existsSync(args.state)) return unhealthy(`the state store ${args.state} is missing: no scheduler has run with it`);
  let rows: SchedulerRecord[];
  try {
    rows = readSchedulers(args.state, host);
  } catch (error) {
    const why = new StoreUnusableError(args.state, storeReason(error), { cause: error });
    return unhealthy(`${why.message}. ${why.advice}`);
  }
  if (!rows.length) return unhealthy(`no scheduler recorded on ${host} in ${args.state}`);
  const seen = rows.map((r) => ({ ...r, ageMs: Math.max(0, now.getTime() - Date.parse(r.heartbeatAt)), alive: processAlive(r.pid) }));
  const age = (ms: number) => Math.floor(ms / 1000);
  // Rows come latest heartbeat first: the first live, recent one is the answer; otherwise the latest says why.
  const ok = seen.find((r) => r.alive && r.ageMs <= args.maxAge * 1000);
  if (ok) {
    io.out(`healthy: scheduler pid ${ok.pid} on ${host}, heartbeat ${age(ok.ageMs)} s ago, ${ok.processes} process(es)\n`);
    return 0;
  }
  const last = seen[0]!;
  if (!last.alive) return unhealthy(`scheduler pid ${last.pid} on ${host} is gone (last heartbeat ${age(last.ageMs)} s ago)`);
  return unhealthy(`scheduler pid ${last.pid} on ${host}: heartbeat ${age(last.ageMs)} s old, more than --max-age ${args.maxAge} s`);
}

function readSchedulers(path: string, host: string): SchedulerRecord[] {
  const Sqlite = require('better-sqlite3') as typeof Database;
  const db = new Sqlite(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return new Schedulers(db).list(host);
  } finally {
    db.close();
  }
}
