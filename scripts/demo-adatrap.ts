// The demo's ADATRAP day (`npm run demo`, or alone: `npm run demo -- adatrap`): a throwaway S3 server (s3rver, a
// devDependency) on a loopback port holding a small day as ADATRAP's buckets hold it, then `main` runs the
// `adatrap` process with a stand-in for the ADATRAP program, and the archive is checked here from S3.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import yauzl from 'yauzl';
import { BUCKETS, dayProcess, seedDay } from '../test/helpers/adatrap-day.js';
import { S3_CREDENTIALS, S3Server } from '../test/helpers/s3-server.js';

const DAY = '2021-04-22';

// Runs the day; returns how many steps did not end as expected.
export async function adatrapDay(work: string, say: (text: string) => void, main: (args: string[], env?: Record<string, string>) => number): Promise<number> {
  say('Starting a throwaway S3 server (s3rver) and writing an ADATRAP day into its buckets');
  const s3 = await S3Server.start(BUCKETS);
  let failures = 0;
  try {
    await seedDay(s3, DAY, { poDay: '2021-04-19', dictFrom: '2021-04-01', dictTo: '2021-06-30', rows: 5000 });
    console.log(`S3 at ${s3.endpoint}: ${BUCKETS.join(', ')}`);
    console.log(`${DAY}.gps.gz, .196.gz, .trx.gz (and the next day's), operations programmes of 2001-01-01, 2021-04-19 and 2099-01-01, two service dictionaries, pvmtsc_v0.2.exe (a stand-in script) and its .par`);

    // The keys as ${VAR}s, as a process file should hold them: main masks them wherever it prints.
    const config = join(work, 'adatrap-config');
    mkdirSync(config, { recursive: true });
    const processFile = dayProcess(s3, join(work, 'adatrap-work'), {});
    (processFile.storage as Record<string, unknown>).credentials = { access_key_id: '${DEMO_S3_KEY}', secret_access_key: '${DEMO_S3_SECRET}' };
    writeFileSync(join(config, 'adatrap.yaml'), `# An ADATRAP day: JSON is YAML\nadatrap_day: ${JSON.stringify(processFile, null, 2)}\n`);
    const env = { DEMO_S3_KEY: S3_CREDENTIALS.access_key_id, DEMO_S3_SECRET: S3_CREDENTIALS.secret_access_key };
    const common = ['--config', config, '--state', join(work, 'adatrap-state.db'), '--log-dir', join(work, 'adatrap-logs')];

    say('main --validate-only (the adatrap process)');
    if (main(['--validate-only', '--config', config], env) !== 0) failures++;
    say(`main --date ${DAY}: inputs picked by rule, the program run, its 19 outputs checked, zipped, uploaded and verified`);
    if (main([...common, '--date', DAY], env) !== 0) failures++;

    say(`The archive, read back from S3 here: s3://adatrap-out/${DAY}.zip`);
    const client = s3.client();
    try {
      const got = await client.send(new GetObjectCommand({ Bucket: 'adatrap-out', Key: `${DAY}.zip` }));
      const body = Buffer.from(await got.Body!.transformToByteArray());
      const sha256 = createHash('sha256').update(body).digest('hex');
      const names = await zipNames(body);
      const held = got.Metadata?.sha256;
      console.log(`${body.length} bytes, SHA-256 ${sha256}`);
      console.log(`x-amz-meta-sha256 ${held}: ${held === sha256 ? 'the same, verified' : 'DIFFERENT'}`);
      console.log(`${names.length} entries: ${names.join(', ')}`);
      if (held !== sha256 || names.length !== 19) failures++;
    } finally {
      client.destroy();
    }

    say('main again: the verified archive is there, so the day is skipped (archive.overwrite: never)');
    if (main([...common, '--date', DAY], env) !== 0) failures++;
  } finally {
    await s3.stop();
  }
  return failures;
}

function zipNames(zip: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const names: string[] = [];
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error) return reject(error);
      file!.on('entry', (entry: yauzl.Entry) => (names.push(entry.fileName), file!.readEntry()));
      file!.on('end', () => resolve(names));
      file!.on('error', reject);
      file!.readEntry();
    });
  });
}
