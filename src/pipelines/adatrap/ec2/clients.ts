import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Ec2Run, StorageConfig } from '../schema.js';

// Who talks to EC2 and CloudWatch Logs: a region, and keys or (absent) the AWS default chain: environment,
// profile, or on an instance its role. Never `storage.endpoint`, which is an S3 service's.
export interface AwsAccess {
  region: string;
  credentials?: StorageConfig['credentials'];
  retries: number;
}

export function accessOf(storage: StorageConfig, run: Pick<Ec2Run, 'region'>): AwsAccess {
  return { region: run.region ?? storage.region, ...(storage.credentials ? { credentials: storage.credentials } : {}), retries: storage.retries };
}

// Retries of throttling (RequestLimitExceeded), 5xx and dropped connections are the SDK's standard strategy:
// exponential backoff with jitter and a retry quota.
function common(access: AwsAccess) {
  const c = access.credentials;
  return {
    region: access.region,
    ...(c ? { credentials: { accessKeyId: c.access_key_id, secretAccessKey: c.secret_access_key, ...(c.session_token ? { sessionToken: c.session_token } : {}) } } : {}),
    maxAttempts: access.retries + 1,
    retryMode: 'standard',
  };
}

export const ec2Client = (access: AwsAccess): EC2Client => new EC2Client(common(access));
export const logsClient = (access: AwsAccess): CloudWatchLogsClient => new CloudWatchLogsClient(common(access));

// What AWS said, for a message ("InvalidInstanceID.NotFound (400): …"): S3's wording serves EC2 and CloudWatch Logs too.
export { s3Reason as awsReason } from '../s3.js';

export const errorName = (error: unknown): string | undefined => (error as { name?: string; Code?: string })?.name ?? (error as { Code?: string })?.Code;
