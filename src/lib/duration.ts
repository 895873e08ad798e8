// Durations as people write them, in process files and on the command line: a number is seconds ("30", 30), or
// amounts with units s, m, h, d, one after another ("30s", "5m", "1h", "2h30m", "1d", "1.5h").
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

// For the JSON Schema (editors check a string against it) and for parseDuration, so the two cannot disagree.
export const DURATION_PATTERN = '^(?:\\d+(?:\\.\\d+)?|(?:\\d+(?:\\.\\d+)?[smhdSMHD])+)$';
const DURATION = new RegExp(DURATION_PATTERN);

// How a message says what is accepted.
export const DURATION_WORDS = 'a duration such as 30, "30s", "5m" or "1h"';

// Seconds, or undefined when `text` is not a duration.
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return undefined;
  if (/^[\d.]+$/.test(trimmed)) return Number(trimmed);
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)([a-z])/gi)) seconds += Number(amount) * UNIT_SECONDS[unit!.toLowerCase()]!;
  // 1.1 * 3600 is 3960.0000000000005: a duration is kept to the millisecond.
  return Math.round(seconds * 1000) / 1000;
}
