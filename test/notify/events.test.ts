import { describe, expect, it } from 'vitest';
import { eventOf, healthOf, notifierId, wanted } from '../../src/notify/events.js';
import type { Notifier } from '../../src/notify/schema.js';

describe('which alert a result makes', () => {
  it('alerts a failure once, a recovery once, and a success otherwise', () => {
    expect(eventOf(undefined, 'failing')).toBe('failure');
    expect(eventOf('ok', 'failing')).toBe('failure');
    expect(eventOf('failing', 'failing')).toBeUndefined();
    expect(eventOf('failing', 'ok')).toBe('recovery');
    expect(eventOf('ok', 'ok')).toBe('success');
    expect(eventOf(undefined, 'ok')).toBe('success');
  });

  it('reads a timeout as a failure, and a skipped or interrupted process as saying nothing', () => {
    expect(healthOf('failed')).toBe('failing');
    expect(healthOf('timeout')).toBe('failing');
    expect(healthOf('success')).toBe('ok');
    expect(healthOf('skipped')).toBeUndefined();
    expect(healthOf('interrupted')).toBeUndefined();
  });

  it('sends a recovery as a success to a notifier that listens for successes only', () => {
    expect(wanted('recovery', ['failure', 'recovery'])).toBe('recovery');
    expect(wanted('recovery', ['success'])).toBe('success');
    expect(wanted('success', ['failure', 'recovery'])).toBeUndefined();
    expect(wanted('failure', ['success'])).toBeUndefined();
  });

  it('knows a notifier by its kind and destination, not by its place, its events or its timeout, and never shows its URL', () => {
    const slack = (on: Notifier['on'], timeout: number): Notifier => ({ type: 'slack', webhook: 'https://hooks.slack.com/services/T0/B0/SecretToken', on, timeout });
    expect(notifierId(slack(['failure'], 10))).toBe(notifierId(slack(['success'], 30)));
    expect(notifierId(slack(['failure'], 10))).toMatch(/^slack:[0-9a-f]{16}$/);
    expect(notifierId(slack(['failure'], 10))).not.toContain('SecretToken');
    const mail = (to: string[]): Notifier => ({ type: 'email', host: 'smtp', port: 587, secure: false, starttls: 'if-offered', tls_verify: true, from: 'a@b.c', to, on: ['failure'], timeout: 30 });
    expect(notifierId(mail(['x@y.z', 'w@y.z']))).toBe(notifierId(mail(['w@y.z', 'x@y.z'])));
    expect(notifierId(mail(['x@y.z']))).not.toBe(notifierId(mail(['w@y.z'])));
  });
});
