import type { JsonSchema } from '../core/pipeline.js';

// What the product itself accumulates, and how many days of each `main prune` and every run keep (config/.defaults.yaml,
// `housekeeping:`). A place with no number (of its own, or `keep_days` for all) is never pruned.
export const HOUSEKEEPING_PLACES = {
  runs: 'runs in the state store (`main history`), with their process results; a run still going is never deleted',
  log_files: 'rotated JSON-lines log files (main.jsonl1, …, and those of each process\'s logging.file), by when they were last written',
  processed: 'files `logs serve` handed off and moved to its inbox\'s processed/ folder, by when they arrived',
  logs_entries: 'the logs kind\'s database rows of days older than this (its `store.sqlite` tables), in one transaction',
  reports: 'the logs kind\'s report files (report.json, report.md, …) in its `report.dir`, by when they were written',
  scan_files: 'the scan kind\'s day files, CSVs and day reports in its output folder, by the day in their name',
} as const;

export type HousekeepingPlace = keyof typeof HOUSEKEEPING_PLACES;

export interface Housekeeping {
  keep_days?: number;
  /** Per place, overriding keep_days. */
  [place: string]: number | undefined;
}

const days = (what: string): JsonSchema => ({ type: 'integer', minimum: 1, maximum: 36_500, description: what });

export const housekeepingSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'How many days of what the product itself writes to keep; applied after every run of `main` and by `main prune`. `keep_days` sets every place; a place named here sets its own.',
  properties: {
    keep_days: days('Days kept of every place below that sets none of its own.'),
    ...Object.fromEntries(Object.entries(HOUSEKEEPING_PLACES).map(([place, what]) => [place, days(`Days kept of ${what}.`)])),
  },
};

// The days kept of a place, or undefined when it is not pruned.
export function keepDaysOf(housekeeping: Housekeeping | undefined, place: HousekeepingPlace): number | undefined {
  return housekeeping?.[place] ?? housekeeping?.keep_days;
}
