// The instance's own id, from its metadata service (IMDSv2: a session token first, then the read). The
// endpoint is the SDK's own variable, AWS_EC2_METADATA_SERVICE_ENDPOINT, when set.
const DEFAULT_ENDPOINT = 'http://169.254.169.254';
const TRIES = 5;

export async function instanceIdFromMetadata(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const base = (env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  let last: unknown;
  for (let attempt = 0; attempt < TRIES; attempt++) {
    if (attempt) await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    try {
      const token = await read(`${base}/latest/api/token`, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '300' } });
      const id = (await read(`${base}/latest/meta-data/instance-id`, { headers: { 'X-aws-ec2-metadata-token': token } })).trim();
      if (!/^i-[0-9a-f]{8,17}$/.test(id)) throw new Error(`expected an instance id such as "i-0abc…", got "${id.slice(0, 40)}"`);
      return id;
    } catch (error) {
      last = error;
    }
  }
  throw new Error(`cannot read this instance's id from its metadata service at ${base} (${(last as Error)?.message ?? last}); give it with --instance-id`);
}

async function read(url: string, init: RequestInit): Promise<string> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${new URL(url).pathname}: HTTP ${response.status}`);
  return response.text();
}
