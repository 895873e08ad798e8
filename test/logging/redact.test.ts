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

  it('masks a known secret in every form it may be printed in: percent-encoded, form-encoded, JSON-escaped, base64', () => {
    const secret = 'Odd/Pw@ x+y#1"q';
    const encoded = new Redactor();
    encoded.add([secret]);
    const url = new URL('http://h');
    url.password = secret;
    const forms = [
      encodeURIComponent(secret),
      encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
      new URLSearchParams({ p: secret }).toString().slice(2),
      url.password,
      encodeURIComponent(encodeURIComponent(secret)),
      JSON.stringify(secret).slice(1, -1),
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
    ];
    for (const form of forms) expect(encoded.text(`before ${form} after`), form).toBe('before *** after');
    expect(encoded.text(`"Authorization": "Basic ${Buffer.from(`admin:${secret}`).toString('base64')}"`)).toBe('"Authorization": "Basic ***"');
  });

  it('masks a URL password up to the last @ of the word, / and # included', () => {
    expect(r.text('GET http://admin:Odd/Pw#1@db:8086/query?q=1')).toBe('GET http://admin:***@db:8086/query?q=1');
  });

  it('hides the whole value under a key that names a secret, in nested objects', () => {
    expect(r.value({ url: 'http://a:b@h', nested: { apiToken: 'zzz', list: ['s3cret'] }, n: 5 })).toEqual({
      url: 'http://a:***@h',
      nested: { apiToken: '***', list: ['***'] },
      n: 5,
    });
  });
});
