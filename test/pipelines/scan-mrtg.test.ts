import { describe, expect, it } from 'vitest';
import { dayBounds } from '../../src/pipelines/scan/day.js';
import { parseMrtg } from '../../src/pipelines/scan/mrtg.js';
import { dayRows } from '../../src/pipelines/scan/slots.js';
import { mrtgLog, newMrtgLog, type Row } from '../helpers/mrtg.js';

const LINK = 'https://scan.example/mrtg/core-1.log';
const day = dayBounds('2026-11-22', 'UTC');
const NOW = day.end + 4 * 3600; // the nightly run at 04:00: line 2 is 04:00, line 50 is 00:00, line 338 is 00:00 the day before
const traffic = (): Row => [1000, 500, 1001, 600];
const parse = (text: string) => parseMrtg(text, day.start - 3600, LINK);
// A good log with line `n` (1 is the header) replaced by `text`, or with `text` put in before it.
const withLine = (n: number, text: string, insert = false) => {
  const lines = mrtgLog(NOW, traffic).split('\n');
  lines.splice(n - 1, insert ? 0 : 1, text);
  return lines.join('\n');
};
const epochOfLine = (n: number) => NOW - (n - 2) * 300;

describe('an MRTG rateup log', () => {
  it('fails on a negative rate, naming the link, the line and the value', () => {
    expect(() => parse(withLine(100, `${epochOfLine(100)} -5 500 1001 600`))).toThrow(`${LINK}:100: expected avg_in to be a whole number from 0 to 9007199254740991, got "-5"`);
  });

  it('fails on a 400-digit value instead of reading it as Infinity, and quotes it cut short', () => {
    const huge = '9'.repeat(400);
    expect(() => parse(withLine(120, `${epochOfLine(120)} 1000 ${huge} 1001 600`))).toThrow(`${LINK}:120: expected avg_out to be a whole number from 0 to 9007199254740991, got "${'9'.repeat(40)}…" (400 characters)`);
  });

  it('takes values up to 2^53 - 1 and refuses the next one, a fraction and an exponent', () => {
    expect(parse(withLine(60, `${epochOfLine(60)} 9007199254740991 0 9007199254740991 0`)).samples[58]!.avgIn).toBe(9007199254740991);
    for (const value of ['9007199254740992', '1.5', '1e400']) {
      expect(() => parse(withLine(60, `${epochOfLine(60)} 1000 500 ${value} 600`))).toThrow(`${LINK}:60: expected max_in to be a whole number from 0 to 9007199254740991, got "${value}"`);
    }
  });

  it('fails on a row that is not five numbers, with its line', () => {
    expect(() => parse(withLine(70, `${epochOfLine(70)} 1000 500`))).toThrow(`${LINK}:70: not an MRTG log: expected "epoch avg_in avg_out max_in max_out", got "${epochOfLine(70)} 1000 500"`);
  });

  it('skips a row out of order (300 1 1 1 1 as line 150), counts it, and reads the rest of the day', () => {
    const log = parse(withLine(150, '300 1 1 1 1', true));
    expect(log.outOfOrder).toEqual([`${LINK}:150 "300 1 1 1 1"`]);
    expect(dayRows(log.samples, day)).toHaveLength(288);
  });

  it('skips a row newer than the one before it, and one newer than line 1', () => {
    const ahead = withLine(90, `${NOW + 86_400} 5 5 5 5`, true).replace(`${NOW} 1000 500 1001 600`, `${NOW + 600} 1000 500 1001 600`);
    const log = parse(ahead);
    expect(log.outOfOrder).toEqual([`${LINK}:2 "${NOW + 600} 1000 500 1001 600"`, `${LINK}:90 "${NOW + 86_400} 5 5 5 5"`]);
    expect(dayRows(log.samples, day)).toHaveLength(288);
  });

  it('stops at the first row older than the day when it has traffic, so what lies beyond is not read', () => {
    const log = parse(withLine(400, 'not a row at all'));
    expect(log.samples.at(-1)!.epoch).toBe(day.start - 3900);
    expect(log.firstTraffic).toBe(day.start - 3900);
  });

  it('reads on past the day through rows of 0 to find where the traffic of a new log begins', () => {
    const created = day.start + 18 * 3600;
    const log = parse(newMrtgLog(NOW, created, traffic));
    expect(log.firstTraffic).toBe(created + 300);
    expect(log.counters).toEqual(['123456789', '987654321']);
  });

  it('reads a log whose rows are all 0 to its end, and finds no traffic', () => {
    const log = parse(mrtgLog(NOW, () => [0, 0, 0, 0], { coarse: [0, 0, 0, 0] }));
    expect(log.firstTraffic).toBeUndefined();
    expect(dayRows(log.samples, day)).toHaveLength(288);
  });

  it('refuses an HTML page and a header that is not "epoch in_counter out_counter"', () => {
    expect(() => parse('<!DOCTYPE html><html>Login</html>')).toThrow('the answer is an HTML page (a login or error page?), not an MRTG log');
    expect(() => parse('1764000000 12 -3.5\n')).toThrow(`${LINK}:1: not an MRTG log: expected "epoch in_counter out_counter", got "1764000000 12 -3.5"`);
  });
});
