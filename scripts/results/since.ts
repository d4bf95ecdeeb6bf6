/**
 * `--since` for `npm run results`: a duration back from now (`90s`, `15m`, `2h`, `7d`) or
 * an ISO 8601 date or date-time (`2026-12-01`, `2026-12-01T08:00:00Z`; without a zone a
 * date-time is local time, as JavaScript's Date reads it).
 */

const DURATION = /^(\d{1,9})(s|m|h|d)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Epoch milliseconds of `text`, or undefined when it is neither form.
 *
 * @example parseSince('2h', Date.parse('2026-12-02T12:00:00Z')) // Date.parse('2026-12-02T10:00:00Z')
 * @example parseSince('2026-12-01', now) // Date.parse('2026-12-01') (midnight UTC)
 */
export function parseSince(text: string, now: number): number | undefined {
  const value = text.trim();
  const duration = DURATION.exec(value);
  if (duration) return now - Number(duration[1]) * UNIT_MS[duration[2]!]!;
  if (!ISO.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
