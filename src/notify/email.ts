import { plainText, headline, type Alert } from './message.js';
import type { EmailNotifier } from './schema.js';
import { DeliveryError } from './http.js';

// One alert as a plain-text mail. nodemailer speaks SMTP for us: STARTTLS and implicit TLS, AUTH (PLAIN, LOGIN,
// CRAM-MD5), and MIME with encoded headers and bodies, so that a non-ASCII process name or error arrives intact.
// nodemailer is loaded here, when a mail is sent: every run imports this file, few send mail.
export async function sendMail(n: EmailNotifier, a: Alert, signal: AbortSignal): Promise<void> {
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    host: n.host,
    port: n.port,
    secure: n.secure,
    // A password never crosses unencrypted unless told so (`starttls: never`).
    requireTLS: !n.secure && (n.starttls === 'required' || (n.starttls === 'if-offered' && n.password !== undefined)),
    ignoreTLS: !n.secure && n.starttls === 'never',
    tls: { rejectUnauthorized: n.tls_verify },
    ...(n.user !== undefined ? { auth: { user: n.user, pass: n.password ?? '' } } : {}),
    connectionTimeout: n.timeout * 1000,
    greetingTimeout: n.timeout * 1000,
    socketTimeout: n.timeout * 1000,
  });
  const abort = () => transport.close();
  signal.addEventListener('abort', abort, { once: true });
  try {
    if (signal.aborted) throw new DeliveryError('no answer in time');
    await transport.sendMail({ from: n.from, to: n.to, subject: `[SysAdminToolkit] ${headline(a)}`, text: plainText(a), headers: { 'X-SysAdminToolkit-Event': a.event } });
  } catch (error) {
    if (error instanceof DeliveryError) throw error;
    if (signal.aborted) throw new DeliveryError('no answer in time', false, { cause: error });
    const e = error as Error & { responseCode?: number; code?: string };
    // Refused for good: a 5xx (a wrong password, an unknown recipient), no STARTTLS where it is required, or no
    // AUTH the server and we share. A 4xx and the network are worth another try.
    const permanent = (e.responseCode ?? 0) >= 500 || (!e.responseCode && (e.code === 'EAUTH' || e.code === 'ETLS'));
    throw new DeliveryError(`the SMTP server ${n.host}:${n.port}: ${e.message}`, permanent, { cause: error });
  } finally {
    signal.removeEventListener('abort', abort);
    transport.close();
  }
}
