import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './influxd.js';
import { spawnTied } from './tied.js';

const INSTALL = "no python3 can import aiosmtpd: on Debian run `apt-get install -y python3-aiosmtpd` (.ci/run does this)";
const SCRIPT = fileURLToPath(new URL('./smtp-server.py', import.meta.url));

// A received mail as smtp-server.py parsed it (Python's email package): headers decoded, the text part's content.
export interface ReceivedMail {
  mail_from: string;
  rcpt_tos: string[];
  /** The user that logged in (AUTH), when the server asked for one. */
  login: string | null;
  subject: string;
  from: string;
  to: string;
  text: string;
  raw: string;
}

// Debian's python3-aiosmtpd is installed for /usr/bin/python3; a `python3` on PATH may be another (pyenv).
function python(): string {
  for (const candidate of ['/usr/bin/python3', 'python3']) if (spawnSync(candidate, ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status === 0) return candidate;
  throw new Error(INSTALL);
}

// A real SMTP server (aiosmtpd) on a loopback port; every mail it receives lands in `mails()`.
export class SmtpServer {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  // `login`: the server asks for AUTH and accepts this user and password only.
  static async start(options: { login?: { user: string; password: string } } = {}): Promise<SmtpServer> {
    const py = python();
    const dir = mkdtempSync(join(tmpdir(), 'sat-smtp-'));
    const port = await freePort();
    const args = [SCRIPT, String(port), dir, ...(options.login ? [options.login.user, options.login.password] : [])];
    const child = spawnTied(py, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`the SMTP server did not start on port ${port}:\n${output}`))), 60_000);
      child.stdout!.on('data', (d) => ((output += d), output.includes('ready') && (clearTimeout(timer), resolve())));
      child.stderr!.on('data', (d) => (output += d));
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`the SMTP server exited (${code}) before it listened:\n${output}`))));
    });
    return new SmtpServer(port, dir, child);
  }

  mails(): ReceivedMail[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as ReceivedMail);
  }

  // Each AUTH attempt, "user accepted" or "user refused", in order.
  logins(): string[] {
    const file = join(this.dir, 'logins.txt');
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  }

  clear(): void {
    for (const f of readdirSync(this.dir)) rmSync(join(this.dir, f));
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
