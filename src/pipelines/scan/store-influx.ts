import { InfluxHttp, readAll } from '../../lib/influx-http.js';
import { escapeFieldKey, fieldValue, seriesPrefix } from '../../lib/line-protocol.js';
import type { InterfaceDay, ScanStoreWriter } from './store.js';

// An InfluxDB 1.x database: measurements scan_samples (one point per five minutes) and scan_daily (one point
// per day, at local midnight), tagged with layer, interface and type. A day is deleted, then written again.
export function openInfluxStore(config: { url: string; database: string; user?: string; password?: string }, timeoutMs: number, signal: AbortSignal): ScanStoreWriter {
  const http = new InfluxHttp({ url: config.url, user: config.user, password: config.password });
  const call = async (method: 'GET' | 'POST', path: string, params: Record<string, string>, body?: string) => {
    await readAll(await http.request({ method, path, params, body, timeoutMs, signal }), timeoutMs);
  };
  let created = false;
  const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const replaceDay = async (d: InterfaceDay) => {
    if (!created) {
      // Only when missing: a user with rights on the database alone may not create databases.
      const res = await http.request({ method: 'POST', path: '/query', params: { q: 'SHOW DATABASES' }, timeoutMs, signal });
      const names = (JSON.parse(await readAll(res, timeoutMs)) as { results?: Array<{ series?: Array<{ values?: string[][] }> }> }).results?.[0]?.series?.[0]?.values?.map((v) => v[0]);
      if (!names?.includes(config.database)) await call('POST', '/query', { q: `CREATE DATABASE "${config.database.replace(/"/g, '\\"')}"` });
      created = true;
    }
    // Exactly this day: samples cover start < t <= end, the daily point stands at the start.
    const series = `layer = ${quote(d.layer)} AND interface = ${quote(d.interface)}`;
    const samples = `${series} AND time > ${d.dayStart}s AND time <= ${d.dayEnd}s`;
    const daily = `${series} AND time >= ${d.dayStart}s AND time < ${d.dayEnd}s`;
    await call('POST', '/query', { db: config.database, q: `DELETE FROM scan_samples WHERE ${samples}; DELETE FROM scan_daily WHERE ${daily}` });
    const tags = { layer: d.layer, interface: d.interface, type: d.vendor };
    const samplePrefix = seriesPrefix('scan_samples', tags);
    const lines = d.rows.map((r) => `${samplePrefix} avg_in=${r.avgIn}i,avg_out=${r.avgOut}i,max_in=${r.maxIn}i,max_out=${r.maxOut}i ${r.epoch}`);
    const s = d.summary;
    const fields = Object.entries({
      samples: s.samples, expected_samples: s.expectedSamples, missing_samples: s.missingSamples, capacity_gbps: s.capacityGbps,
      in_avg: s.inAvg, in_max: s.inMax, in_p95: s.inP95, out_avg: s.outAvg, out_max: s.outMax, out_p95: s.outP95, utilisation_pct: s.utilisationPct,
    })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${escapeFieldKey(k)}=${fieldValue(v, 'float')}`);
    lines.push(`${seriesPrefix('scan_daily', tags)} ${fields.join(',')} ${d.dayStart}`);
    await call('POST', '/write', { db: config.database, precision: 's' }, lines.join('\n'));
    return d.rows.length;
  };
  return {
    async replaceDays(days) {
      let written = 0;
      for (const d of days) written += await replaceDay(d);
      return written;
    },
    async close() {
      http.close();
    },
  };
}
