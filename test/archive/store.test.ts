import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../src/archive/local-store.js';
import { S3Store } from '../../src/archive/s3-store.js';
import { ObjectMissing, type ArchiveStore } from '../../src/archive/store.js';
import { S3Server, S3_CREDENTIALS } from '../helpers/s3-server.js';

let s3: S3Server;
let dir: string;
beforeAll(async () => {
  s3 = await S3Server.start(['archives']);
  dir = mkdtempSync(join(tmpdir(), 'sat-store-'));
});
afterAll(async () => {
  await s3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const stores: Array<[string, () => ArchiveStore]> = [
  ['a local folder', () => new LocalStore(join(dir, 'local'))],
  ['S3 (path-style, on a local S3 server)', () => new S3Store({ bucket: 'archives', prefix: 'influx/metrics', region: 'us-east-1', endpoint: s3.endpoint, force_path_style: true, credentials: S3_CREDENTIALS, retries: 1 })],
];

describe.each(stores)('the archive store in %s', (_, open) => {
  it('shows an object only once it is committed, then lists, stats and reads it; a discarded one never appears', async () => {
    const store = open();
    try {
      const spooled = await store.spool('a1/db/m/1.lp.zst');
      writeFileSync(spooled, 'x'.repeat(10_000));
      expect(await store.stat('a1/db/m/1.lp.zst')).toBeUndefined();
      expect([...(await all(store.list('a1/')))]).toEqual([]);
      expect(await store.commit('a1/db/m/1.lp.zst', spooled)).toBe(10_000);
      const dropped = await store.spool('a1/db/m/2.lp.zst');
      writeFileSync(dropped, 'half');
      await store.discard(dropped);
      await store.put('a1/manifest.json', Buffer.from('{"ok":true}'));
      expect(await store.stat('a1/db/m/1.lp.zst')).toBe(10_000);
      expect(await all(store.list('a1/'))).toEqual([{ key: 'a1/db/m/1.lp.zst', size: 10_000 }, { key: 'a1/manifest.json', size: 11 }]);
      const chunks: Buffer[] = [];
      for await (const c of await store.get('a1/manifest.json')) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('{"ok":true}');
      await expect(store.get('a1/none')).rejects.toBeInstanceOf(ObjectMissing);
    } finally {
      store.close();
    }
  });

  it('removes one object, and every object under a prefix, leaving its neighbours', async () => {
    const store = open();
    try {
      for (const key of ['r1/manifest.json', 'r1/db/m/1.lp.zst', 'r1/db/n/2.lp.zst', 'r10/manifest.json', 'r2/manifest.json']) await store.put(key, Buffer.from(key));
      await store.remove('r1/manifest.json');
      await store.remove('r1/never-there');
      expect(await store.stat('r1/manifest.json')).toBeUndefined();
      expect(await store.removePrefix('r1/')).toBe(2);
      expect((await all(store.list('r'))).map((o) => o.key)).toEqual(['r10/manifest.json', 'r2/manifest.json']);
      expect(await store.removePrefix('none/')).toBe(0);
    } finally {
      store.close();
    }
  });
});

it('removes a local archive folder whole, a temporary file left by a killed write included', async () => {
  const store = new LocalStore(join(dir, 'gone'));
  await store.put('a/manifest.json', Buffer.from('{}'));
  writeFileSync(`${await store.spool('a/db/m/1.lp.zst')}`, 'half');
  expect(await store.removePrefix('a/')).toBe(1);
  expect(readdirSync(join(dir, 'gone'))).toEqual([]);
});

it('leaves no temporary file in a local folder once an object is committed', async () => {
  const store = new LocalStore(join(dir, 'tidy'));
  const spooled = await store.spool('a/b.lp.gz');
  writeFileSync(spooled, 'data');
  await store.commit('a/b.lp.gz', spooled);
  expect(readdirSync(join(dir, 'tidy', 'a'))).toEqual(['b.lp.gz']);
});

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const i of items) out.push(i);
  return out;
}
