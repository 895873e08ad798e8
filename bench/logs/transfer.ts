// bench/logs/transfer — issue 5's figure: MB/s sending one file through `main logs send` → `main logs serve` on loopback,
// hashing on both sides, timed from the start of `send` to its exit 0 (the acknowledgement comes after the server's
// SHA-256 check, fsync and rename). The received file's SHA-256 is checked against the one sent.
// Target: >= 200 MB/s for a 1 GB file (MB = 10^6 bytes).
// Run: npm run build && npx tsx bench/logs/transfer.ts [MiB, default 1024]
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { nginxCombined } from '../../test/helpers/log-lines.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

// Generate a file of `bytes` bytes, serve, send it, check it arrived whole; MB/s of the send (10^6 bytes per MB).
export async function measureTransfer(bytes: number): Promise<{ mbPerSecond: number; seconds: number; bytes: number }> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first.`);
  const work = mkdtempSync(join(tmpdir(), 'sat-bench-logs-'));
  const token = randomBytes(24).toString('hex');
  const env = { ...process.env, LOGS_TOKEN: token, NO_COLOR: '1' };
  try {
    mkdirSync(join(work, 'config'));
    writeFileSync(join(work, 'config/bench.yaml'), 'bench:\n  type: logs\n  inputs: ["inbox/*.log"]\n  format: nginx-combined\n');
    const file = join(work, 'access.log');
    const sha256 = await writeLogFile(file, bytes);

    const serve = spawn(process.execPath, [MAIN, 'logs', 'serve', '--host', '127.0.0.1', '--port', '0', '--inbox', 'inbox', '--process', 'bench', '--max-bytes', String(bytes)], { cwd: work, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let serveLog = '';
    serve.stderr.on('data', (d) => (serveLog += d));
    const served = new Promise<number | null>((resolve) => serve.on('close', resolve));
    try {
      const port = await listening(() => serveLog, served);
      const started = performance.now();
      // Asynchronously: spawnSync would block this process, and its timing with it.
      const send = spawn(process.execPath, [MAIN, 'logs', 'send', file, '--host', '127.0.0.1', '--port', String(port)], { cwd: work, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let sendLog = '';
      send.stderr.on('data', (d) => (sendLog += d));
      const code = await new Promise<number | null>((resolve) => send.on('close', resolve));
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) throw new Error(`logs send exited ${code}:\n${sendLog}\n${serveLog}`);
      serve.kill('SIGTERM');
      await served;
      if (process.env.BENCH_DEBUG) console.log(new Date(Date.now() - seconds * 1000).toISOString(), sendLog, serveLog);
      const name = `${sha256.slice(0, 12)}-access.log`;
      const received = [join(work, 'inbox', name), join(work, 'inbox/processed', name)].find(existsSync);
      if (!received) throw new Error(`the file is not in the inbox: ${readdirSync(join(work, 'inbox')).join(', ')}`);
      const got = await hashOf(received);
      if (got !== sha256) throw new Error(`the received file's SHA-256 is ${got}, the sent one's ${sha256}`);
      return { mbPerSecond: bytes / 1e6 / seconds, seconds, bytes };
    } finally {
      if (serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// Realistic nginx lines, a 4 MiB block repeated, cut to exactly `bytes`; returns the SHA-256.
async function writeLogFile(path: string, bytes: number): Promise<string> {
  let block = '';
  for (let seed = 1; block.length < 4 * 1024 * 1024; seed++) block += nginxCombined(5000, undefined, seed).text;
  const chunk = Buffer.from(block);
  const hash = createHash('sha256');
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < bytes; ) {
      const part = chunk.subarray(0, Math.min(chunk.length, bytes - written));
      await handle.write(part);
      hash.update(part);
      written += part.length;
    }
    // On disk before the clock starts: the kernel writing this file back must not slow the transfer being timed.
    await handle.sync();
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

async function listening(log: () => string, exited: Promise<number | null>): Promise<number> {
  let code: number | null | undefined;
  void exited.then((c) => (code = c));
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const port = /Listening on 127\.0\.0\.1:(\d+)/.exec(log())?.[1];
    if (port) return Number(port);
    if (code !== undefined) throw new Error(`logs serve exited ${code}: ${log()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`logs serve did not listen within 30 s: ${log()}`);
}

async function hashOf(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const mib = Number(process.argv[2] ?? 1024);
  const result = await measureTransfer(Math.round(mib * 1024 * 1024));
  console.log(`bench/logs/transfer on ${cpus().length} cores, node ${process.version}: one file of ${mib} MiB (${result.bytes.toLocaleString('en-US')} bytes), loopback, no TLS`);
  console.log(`logs send → logs serve: ${result.seconds.toFixed(2)} s, ${result.mbPerSecond.toFixed(1)} MB/s (10^6 bytes/s, SHA-256 on both sides, fsync before the acknowledgement)   target >= 200 MB/s   ${result.mbPerSecond >= 200 ? 'MET' : 'MISSED'}`);
}
