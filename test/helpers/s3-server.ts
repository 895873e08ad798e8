import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client, CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { spawnTied } from './tied.js';

const INSTALL = 's3rver is not installed: run `npm install` (it is a devDependency of this repository)';
const MAIN = fileURLToPath(new URL('./s3rver-main.mjs', import.meta.url));

// s3rver's fixed keys: it checks signatures against them.
export const S3_CREDENTIALS = { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' };

// A throwaway S3 API server (s3rver) on a loopback port, its objects in a folder of its own; stopped after the tests.
export class S3Server {
  private constructor(
    readonly endpoint: string,
    readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(buckets: string[] = []): Promise<S3Server> {
    try {
      createRequire(import.meta.url).resolve('s3rver');
    } catch {
      throw new Error(INSTALL);
    }
    const dir = mkdtempSync(join(tmpdir(), 'sat-s3-'));
    const child = spawnTied(process.execPath, ['--openssl-legacy-provider', MAIN, dir, ...buckets], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        output += d;
        const m = /port (\d+)/.exec(output);
        if (m) resolve(Number(m[1]));
      });
      child.stderr!.on('data', (d) => (output += d));
      child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before it listened:\n${output}`)));
    });
    return new S3Server(`http://127.0.0.1:${port}`, dir, child);
  }

  // The storage section of an adatrap process that uses this server.
  storage(): { region: string; endpoint: string; force_path_style: boolean; credentials: typeof S3_CREDENTIALS; retries: number } {
    return { region: 'us-east-1', endpoint: this.endpoint, force_path_style: true, credentials: S3_CREDENTIALS, retries: 2 };
  }

  client(): S3Client {
    return new S3Client({ region: 'us-east-1', endpoint: this.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  }

  async put(bucket: string, key: string, body: Buffer | string): Promise<void> {
    const client = this.client();
    await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((e: { name?: string }) => {
      if (e.name !== 'BucketAlreadyOwnedByYou' && e.name !== 'BucketAlreadyExists') throw e;
    });
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    client.destroy();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
