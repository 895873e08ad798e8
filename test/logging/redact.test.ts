import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/logging/redact.js';

describe('the redactor', () => {
  const r = new Redactor();
  r.add(['s3cret', 'a.b*c']);

  it('masks every known secret, even inside other text and with regex characters in it', () => {
    expect(r.text('pw s3cret and xs3cretx and a.b*c')).toBe('pw *** and x***x and ***');
  });

  it('masks credentials it was never told about: URLs, Authorization headers, password= pairs', () => {
    expect(r.text('GET https://bob:hunter2@example.org/x')).toBe('GET https://bob:***@example.org/x');
    expect(r.text('influx http://admin:Xy@9kLmQ7@db:8086/query')).toBe('influx http://admin:***@db:8086/query');
    expect(r.text('Authorization: Bearer eyJhbGciOi.x.y')).toBe('Authorization: Bearer ***');
    expect(r.text('mysql --password=abc123 -u root')).toBe('mysql --password=*** -u root');
    expect(r.text('/query?u=admin&p=x&password=abc&q=1')).toBe('/query?u=admin&p=x&password=***&q=1');
  });

  it('masks a very short secret only where it stands alone', () => {
    const short = new Redactor();
    short.add(['p', 'ab']);
    expect(short.text('capacity p=ab ok: ab! p')).toBe('capacity ***=*** ok: ***! ***');
  });

  it('hides the whole value under a key that names a secret, in nested objects', () => {
    expect(r.value({ url: 'http://a:b@h', nested: { apiToken: 'zzz', list: ['s3cret'] }, n: 5 })).toEqual({
      url: 'http://a:***@h',
      nested: { apiToken: '***', list: ['***'] },
      n: 5,
    });
  });
});
