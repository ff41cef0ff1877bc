import type { Client } from '@elastic/elasticsearch';
import { archiveIndicesDeleted } from '../metrics.js';
import { dayStart } from '../store/partitions.js';
import { archiveIndexPattern, dayOfIndex, rawArchiveIndexPattern } from './index-names.js';

const DAY_MS = 86_400_000;

/**
 * The ILM policy's delete phase, for clusters without ILM: deletes whole daily archive indices
 * (alerts and raw) of `prefix` whose day is more than `deleteAfterDays` before today (UTC).
 * Indices are named one by one: wildcard deletes are refused by default
 * (`action.destructive_requires_name`). Returns the deleted index names.
 */
export async function deleteExpiredIndices(
  client: Client,
  prefix: string,
  deleteAfterDays: number,
  now = new Date(),
): Promise<string[]> {
  const cutoff = dayStart(now).getTime() - deleteAfterDays * DAY_MS;
  const listed = await client.cat.indices({
    index: [archiveIndexPattern(prefix), rawArchiveIndexPattern(prefix)],
    h: 'index',
    format: 'json',
    expand_wildcards: ['open', 'closed'],
  });
  const expired = listed
    .map((row) => row.index ?? '')
    .filter((index) => {
      const day = dayOfIndex(prefix, index);
      return day !== null && day.getTime() < cutoff;
    })
    .sort();
  // Batches keep the request line short however many days expire at once.
  for (let i = 0; i < expired.length; i += 50) {
    await client.indices.delete({ index: expired.slice(i, i + 50) }, { ignore: [404] });
  }
  archiveIndicesDeleted.inc(expired.length);
  return expired;
}
