import { seconds } from '../../lib/schema-parts.js';
import type { JsonSchema } from '../../core/pipeline.js';
import { archiveDestinationsSchema, type ArchiveDestinations } from '../../archive/destinations.js';

export interface CommandStep {
  argv?: string[];
  shell?: string;
  cwd?: string;
  env?: Record<string, string | number | boolean>;
  inherit_env: boolean;
  timeout?: number;
}

export interface CommandConfig {
  run: CommandStep;
  verify?: CommandStep;
  archive?: { paths: string[]; to: ArchiveDestinations };
}

const step: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  'x-expected': 'a step with either "argv" (a program and its arguments, run without a shell) or "shell" (a command line for /bin/sh)',
  oneOf: [{ required: ['argv'] }, { required: ['shell'] }],
  properties: {
    argv: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', minLength: 1 },
      description: 'The program and its arguments, run directly: no shell, no quoting surprises.',
    },
    shell: {
      type: 'string',
      minLength: 1,
      description: 'A command line run by /bin/sh -c, for pipes and redirections. Prefer argv when you can.',
    },
    cwd: { type: 'string', minLength: 1, 'x-path': true, description: 'Working directory (relative to the project folder, the parent of the config folder). Default: the project folder.' },
    env: {
      type: 'object',
      additionalProperties: { type: ['string', 'number', 'boolean'] },
      description: 'Extra environment variables. Values of keys that look like secrets (PASSWORD, TOKEN …) are redacted from logs.',
    },
    inherit_env: { type: 'boolean', default: true, description: "Pass main's environment through; false passes only `env` and PATH." },
    timeout: seconds('Seconds this step may take (at most a year) before it is stopped (SIGTERM to its process group, then SIGKILL).', { long: true }),
  },
};

export const commandSchema: JsonSchema = {
  type: 'object',
  required: ['run'],
  properties: {
    run: { ...step, description: 'The command that does the work; it succeeds on exit code 0.' },
    verify: { ...step, description: 'Optional check run after `run` succeeds; its exit code 0 is the integrity check.' },
    archive: {
      type: 'object',
      additionalProperties: false,
      required: ['paths', 'to'],
      description: 'Files and folders the command produced, archived after it succeeds (and its verify passed): one tar, compressed, with its file count, bytes and SHA-256 in manifest.json.',
      properties: {
        paths: {
          type: 'array',
          minItems: 1,
          items: { type: 'string', minLength: 1, 'x-path': true },
          description: 'Files or folders (relative to the project folder). A folder is taken whole; a symbolic link is stored as a link, never followed. A path that is missing after the run fails the process.',
        },
        to: archiveDestinationsSchema('Where the tar goes.'),
      },
    },
  },
};
