/**
 * A count with its noun in the right number, for messages people read ("1 job",
 * "3 jobs", never "1 jobs" or "job(s)").
 *
 * @example plural(1, 'job') // '1 job'
 * @example plural(3, 'delivery', 'deliveries') // '3 deliveries'
 */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
