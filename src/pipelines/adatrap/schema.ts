import { s3Service, seconds } from '../../lib/schema-parts.js';
import type { JsonSchema } from '../../core/pipeline.js';

// The 19 files ADATRAP writes for a day, `{date}.<ext>`, in the order its .par lists them.
export const ADATRAP_OUTPUTS = [
  'subidas', 'servicios', 'profile', 'perfilesag', 'expediciones', 'stop', 'zonas', 'buses', 'tarjetas', 'headways',
  'etapas', 'viajes', 'actividades', 'indicadores', 'general', 'odbyroute', 'stoptime', 'bip', 'podata',
] as const;

export type Selection = 'exact' | 'latest_on_or_before' | 'range_covering';
export type Unpack = 'none' | 'gunzip' | 'unzip';
export type Overwrite = 'never' | 'if-different' | 'always';

export interface StorageConfig {
  region: string;
  /** An S3-compatible endpoint (MinIO, Ceph …); AWS when absent. */
  endpoint?: string;
  force_path_style: boolean;
  /** Absent: the AWS SDK's default chain (environment, profile, instance role). */
  credentials?: { access_key_id: string; secret_access_key: string; session_token?: string };
  retries: number;
}

export interface ObjectRef {
  bucket: string;
  key: string;
}

export interface InputConfig {
  bucket: string;
  /** A key pattern: `{date}` / `{date:YYYYMMDD}`, and `{from…}`/`{to…}` for range_covering. */
  key: string;
  select: Selection;
  unpack: Unpack;
  /** Where it lands in the work folder: a file (none, gunzip) or a folder (unzip). A template. */
  as?: string;
}

export interface LocalRun {
  where: 'local';
  /** Program and arguments, templates: `{executable}` and `{parameters}` are the downloaded files. */
  command: string[];
  timeout: number;
  env?: Record<string, string>;
}

export interface Ec2Run {
  where: 'ec2';
  env?: Record<string, string>;
  region?: string;
  image_id: string;
  instance_type: string;
  /** The IAM instance profile (name or ARN) whose role reads the inputs and writes the archive. */
  instance_profile: string;
  subnet_id?: string;
  security_group_ids?: string[];
  key_name?: string;
  /** Seconds after launch the orchestrator terminates the instance itself, whatever it is doing. */
  max_lifetime: number;
  /** CloudWatch Logs group the instance writes its log stream (its instance id) to. */
  log_group: string;
  /** The command that runs `main` on the instance (its AMI has the product installed). */
  main: string[];
  /** How the instance runs the program: as `local` would there. */
  command: string[];
  timeout: number;
  poll_interval: number;
}

export interface AdatrapConfig {
  timezone: string;
  date?: string;
  storage: StorageConfig;
  work_dir: string;
  keep_work: 'never' | 'on-failure' | 'always';
  program: {
    executable: ObjectRef & { sha256?: string };
    parameters: ObjectRef & { values: Record<string, string> };
  };
  inputs: Record<string, InputConfig>;
  run: LocalRun | Ec2Run;
  outputs: { dir: string; files: string[] };
  archive: ObjectRef & { overwrite: Overwrite };
}

const bucket: JsonSchema = {
  type: 'string',
  pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
  'x-expected': 'an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens',
  description: 'The bucket.',
};
const key = (description: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength: 1024, description });
const PROGRAM_TIMEOUT = 4500;

// One object for both places a program runs (Ajv applies no defaults inside oneOf): `where` picks, the keys only
// an instance has are required for ec2 and refused by the kind's check for local (those without a default).
export const EC2_ONLY_KEYS = ['region', 'image_id', 'instance_type', 'instance_profile', 'subnet_id', 'security_group_ids', 'key_name', 'log_group'] as const;
const run: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['where'],
  description: 'Where the program runs: on this host (local), or on a throwaway EC2 instance per day (ec2).',
  properties: {
    where: { enum: ['local', 'ec2'], description: 'local or ec2.' },
    command: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, default: ['{executable}', '{parameters}'], description: 'The program and its arguments, run in the work folder without a shell; e.g. ["wine", "{executable}", "{parameters}"].' },
    timeout: seconds('Seconds the program may run before it is stopped (SIGTERM to its process group, then SIGKILL).', { default: PROGRAM_TIMEOUT }),
    env: { type: 'object', additionalProperties: { type: 'string' }, description: 'Extra environment variables for the program. On ec2 they travel in the user data: no secret there (refused).' },
    region: { type: 'string', minLength: 1, description: 'ec2: the region instances run in (default: storage.region).' },
    image_id: { type: 'string', pattern: '^ami-[0-9a-f]{8,17}$', 'x-expected': 'an AMI id such as "ami-0abcdef1234567890"', description: 'ec2: an image with this product installed (`main` on PATH) and the program\'s runtime (e.g. wine).' },
    instance_type: { type: 'string', minLength: 1, description: 'ec2: e.g. "c5.2xlarge".' },
    instance_profile: { type: 'string', minLength: 1, description: 'ec2: the IAM instance profile (name or ARN); the instance reads and writes S3 and CloudWatch Logs with its role. No key is ever put in user data.' },
    subnet_id: { type: 'string', pattern: '^subnet-[0-9a-f]+$', description: 'ec2: the subnet.' },
    security_group_ids: { type: 'array', items: { type: 'string', pattern: '^sg-[0-9a-f]+$' }, description: 'ec2: security groups.' },
    key_name: { type: 'string', minLength: 1, description: 'ec2: a key pair for SSH/RDP to the instance (`main adatrap keypair create`); not needed to run.' },
    max_lifetime: seconds('ec2: seconds after launch the orchestrator terminates the instance itself, whatever it is doing.', { default: PROGRAM_TIMEOUT + 3600 }),
    log_group: { type: 'string', minLength: 1, maxLength: 512, description: 'ec2: the CloudWatch Logs group; each instance writes the stream named by its instance id.' },
    main: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, default: ['main'], description: 'ec2: how the instance starts this product.' },
    poll_interval: seconds('ec2: seconds between looks at the instance and at its result.', { default: 15, maximum: 300 }),
  },
  if: { properties: { where: { const: 'ec2' } }, required: ['where'] },
  then: { required: ['image_id', 'instance_type', 'instance_profile', 'log_group'] },
};

const input: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['bucket', 'key'],
  properties: {
    bucket,
    key: key('The key, with the day in it: `{date}` (YYYY-MM-DD) or `{date:YYYYMMDD}`; range_covering names `{from:…}` and `{to:…}`.'),
    select: {
      enum: ['exact', 'latest_on_or_before', 'range_covering'],
      default: 'exact',
      description: 'exact: the key for the day; latest_on_or_before: the key with the latest date not after the day; range_covering: the key whose inclusive from…to covers the day.',
    },
    unpack: { enum: ['none', 'gunzip', 'unzip'], description: 'gunzip a .gz, unzip a .zip into a folder, or none (default: from the key\'s extension).' },
    as: { type: 'string', minLength: 1, description: 'Where it lands, relative to the work folder: a file, or the folder a zip is unpacked into (default: the key\'s name without .gz; for a zip, the work folder).' },
  },
};

export const adatrapSchema: JsonSchema = {
  type: 'object',
  required: ['storage', 'program', 'inputs', 'run', 'archive'],
  properties: {
    timezone: { type: 'string', minLength: 1, default: 'UTC', 'x-expected': 'an IANA time zone such as "America/Santiago"', description: 'The zone whose calendar names the days; the default day is yesterday there.' },
    date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', 'x-expected': 'a day as YYYY-MM-DD', description: 'The day to process (default: yesterday in `timezone`); `--date` overrides it.' },
    storage: {
      type: 'object',
      additionalProperties: false,
      required: ['region'],
      description: 'The S3 service holding inputs and archives.',
      properties: {
        ...s3Service(),
      },
    },
    work_dir: { type: 'string', minLength: 1, default: 'data/adatrap', 'x-path': true, description: 'Where a day\'s inputs are unpacked and the program runs: <work_dir>/<date>/.' },
    keep_work: { enum: ['never', 'on-failure', 'always'], default: 'on-failure', description: 'When the day\'s work folder is kept after the run.' },
    program: {
      type: 'object',
      additionalProperties: false,
      required: ['executable', 'parameters'],
      properties: {
        executable: {
          type: 'object',
          additionalProperties: false,
          required: ['bucket', 'key'],
          properties: {
            bucket,
            key: key('The program, e.g. "pvmtsc_v0.2.exe".'),
            sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', 'x-expected': '64 hexadecimal digits', description: 'The program\'s SHA-256: a different file is refused before it runs.' },
          },
        },
        parameters: {
          type: 'object',
          additionalProperties: false,
          required: ['bucket', 'key'],
          properties: {
            bucket,
            key: key('The parameter template, e.g. "pvmtsc_v0.2.par".'),
            values: {
              type: 'object',
              default: {},
              propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
              additionalProperties: { type: 'string' },
              description: 'Extra placeholders of the template and their values, themselves templates: e.g. po_path: "{po.date}".',
            },
          },
        },
      },
    },
    inputs: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      additionalProperties: input,
      description: 'The day\'s inputs by name; `{name}` in a template is where it landed.',
    },
    run,
    outputs: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        dir: { type: 'string', minLength: 1, default: 'ADATRAP/{date}', description: 'The folder, relative to the work folder, the program writes into.' },
        files: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { type: 'string', minLength: 1 },
          default: ADATRAP_OUTPUTS.map((ext) => `{date}.${ext}`),
          description: 'The files every run must write, each present and not empty (default: the 19 of ADATRAP).',
        },
      },
    },
    archive: {
      type: 'object',
      additionalProperties: false,
      required: ['bucket'],
      properties: {
        bucket,
        key: { ...key('The archive\'s key.'), default: '{date}.zip' },
        overwrite: {
          enum: ['never', 'if-different', 'always'],
          default: 'never',
          description: 'A verified archive already there: never (the day is skipped), if-different (uploaded when its SHA-256 differs), always.',
        },
      },
    },
  },
};
