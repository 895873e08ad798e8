import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import yazl from 'yazl';
import type { S3Server } from './s3-server.js';

export const FAKE_PROGRAM = fileURLToPath(new URL('../fixtures/adatrap/fake-adatrap.cjs', import.meta.url));
export const TEST_PAR = fileURLToPath(new URL('../fixtures/adatrap/test.par', import.meta.url));
export const BUCKETS = ['adatrap-exe', 'adatrap-gps', 'adatrap-196', 'adatrap-trx', 'adatrap-po', 'adatrap-dict', 'adatrap-out'];

// A day's inputs as the original's buckets hold them: gzipped GPS, 1.96 and transactions for the day, the
// operations programme of an earlier day (a zip with a folder named by its day), a service dictionary whose
// range covers the day, decoys around each, and the program with its .par.
export async function seedDay(s3: S3Server, day: string, options: { poDay: string; dictFrom: string; dictTo: string; rows?: number }): Promise<void> {
  const rows = options.rows ?? 50;
  const lines = (tag: string) => Array.from({ length: rows }, (_, i) => `${tag};${day};${i}`).join('\n') + '\n';
  await s3.put('adatrap-exe', 'pvmtsc_v0.2.exe', readFileSync(FAKE_PROGRAM));
  await s3.put('adatrap-exe', 'pvmtsc_v0.2.par', readFileSync(TEST_PAR));
  for (const [bucket, ext] of [['adatrap-gps', 'gps'], ['adatrap-196', '196'], ['adatrap-trx', 'trx']] as const) {
    await s3.put(bucket, `${day}.${ext}.gz`, gzipSync(lines(ext)));
    await s3.put(bucket, `${nextDay(day)}.${ext}.gz`, gzipSync(lines(`${ext}-next`)));
  }
  const compact = (d: string) => d.replaceAll('-', '');
  await s3.put('adatrap-po', `${options.poDay}.po.zip`, await zipOf({ [`${options.poDay}/Paraderos/ConsolidadoParadas_PO${compact(options.poDay)}.csv`]: 'servicio;sentido\nT201;I\n' }));
  // A later programme (not yet in force) and an older one: neither is the one to take.
  await s3.put('adatrap-po', '2099-01-01.po.zip', await zipOf({ '2099-01-01/other.csv': 'x\n' }));
  await s3.put('adatrap-po', '2001-01-01.po.zip', await zipOf({ '2001-01-01/old.csv': 'x\n' }));
  await s3.put('adatrap-dict', `Diccionario-DetalleServicioZP_${compact(options.dictFrom)}_${compact(options.dictTo)}.csv.gz`, gzipSync('zona;validadores\n1;2\n'));
  await s3.put('adatrap-dict', `Diccionario-DetalleServicioZP_20000101_20001231.csv.gz`, gzipSync('old\n'));
}

// An adatrap process for the seeded day, running the fake program here.
export function dayProcess(s3: S3Server, workDir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'adatrap',
    storage: s3.storage(),
    work_dir: workDir,
    program: {
      executable: { bucket: 'adatrap-exe', key: 'pvmtsc_v0.2.exe' },
      parameters: { bucket: 'adatrap-exe', key: 'pvmtsc_v0.2.par', values: { po_path: '{po.date}', po_date: '{po.date:YYYYMMDD}', service_detail_file: '{service_detail}' } },
    },
    inputs: {
      gps: { bucket: 'adatrap-gps', key: '{date}.gps.gz', as: 'tmp/{date}.gps' },
      file196: { bucket: 'adatrap-196', key: '{date}.196.gz', as: 'tmp/{date}.196' },
      trx: { bucket: 'adatrap-trx', key: '{date}.trx.gz', as: 'tmp/{date}.trx' },
      po: { bucket: 'adatrap-po', key: '{date}.po.zip', select: 'latest_on_or_before' },
      service_detail: { bucket: 'adatrap-dict', key: 'Diccionario-DetalleServicioZP_{from:YYYYMMDD}_{to:YYYYMMDD}.csv.gz', select: 'range_covering' },
    },
    run: { where: 'local' },
    archive: { bucket: 'adatrap-out' },
    ...extra,
  };
}

export function zipOf(files: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text), name, { mtime: new Date(0) });
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
