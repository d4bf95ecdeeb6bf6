/**
 * The uploader's lease on a job: before uploading, a delivery claims the job for the
 * length of its invocation with one conditional write, so a delivery of the same job in
 * another invocation at the same time does not upload it too.
 *
 * The design follows the idempotency utility of Powertools for AWS Lambda (an INPROGRESS
 * record with an expiry, written with one conditional put that succeeds when there is no
 * record, or when the in-progress one has expired; a second caller gets "already in
 * progress" and its invocation fails so the source retries it:
 * aws-powertools/powertools-lambda-typescript packages/idempotency/src/persistence/DynamoDBPersistenceLayer.ts,
 * commit 04dc109b2d026b3742781431ec4ecdcafd35dc9d, `_putRecord`). Ours differs where
 * Tablestore and our records differ:
 * - the lease lives in its own columns (`lease_owner`, `lease_until`) beside the record,
 *   so `status` keeps moving only up and a finished record is never rewritten;
 * - Tablestore does not return the row when a condition fails (DynamoDB's
 *   `ReturnValuesOnConditionCheckFailure`), so a refused claim is followed by a second
 *   conditional write that counts the delivery when the job is already `uploaded` — the
 *   same two calls the uploader made before (read the record, then count) on that path,
 *   and one call (the claim) instead of the read on the path that uploads.
 * The uploader makes these writes for a whole batch at once (batch-claim.ts: the claims
 * of every job in one BatchWriteRow, the counts in another); the single-row functions
 * here remain for the rare paths (contention, a job twice in one batch).
 */
import { integerCell, LEASE_OWNER, LEASE_UNTIL, leaseFromRow, recordFromRow, rowExists } from './row';
import { claimable, leaseHeldBy, statusIs, writeCondition } from './conditions';
import type TableStore from 'tablestore';
import type { ColumnUpdates, RowAccess } from './row-access';

/** Who holds a job and until when (epoch ms). */
export interface Lease {
  /** The claiming invocation (its FC request id). */
  owner: string;
  until: number;
}

/**
 * What a claim came to:
 * - `claimed`: this invocation holds the job and may upload it;
 * - `uploaded`: the job is already uploaded; this delivery has been counted on its record;
 * - `held`: another invocation holds a live lease (`lease` when it could be read): do not
 *   upload now; let the queue deliver this again later.
 */
export type ClaimResult = { kind: 'claimed' } | { kind: 'uploaded' } | { kind: 'held'; lease?: Lease };

const LEASE_COLUMNS = [LEASE_OWNER, LEASE_UNTIL];

/** Column updates that drop the lease. */
export function dropLease(): { DELETE_ALL: string[] } {
  return { DELETE_ALL: [...LEASE_COLUMNS] };
}

/**
 * Claims the job for `lease.owner` until `lease.until`: one conditional UpdateRow on the
 * common paths, two when the job is already uploaded. Only under contention (the claim and
 * the count both refused) is the row read, to say who holds it — or to create the lease
 * with PutRow when the row does not exist, in case the service ever refused the claim's
 * column condition on a missing row (conditions.ts).
 */
export async function claimJob(row: RowAccess, lease: Lease, now: number): Promise<ClaimResult> {
  for (let round = 0; round < 2; round += 1) {
    const claim = claimWrite(lease, now);
    // Repeating the claim is harmless: a claim that was applied passes again as our own lease.
    if (await row.update(claim.condition, claim.updates, true)) return { kind: 'claimed' };
    if (await countUploadedDelivery(row, now)) return { kind: 'uploaded' };

    const current = await row.read();
    if (!rowExists(current)) {
      if (await row.put(writeCondition('EXPECT_NOT_EXIST'), leaseCells(lease), true)) return { kind: 'claimed' };
      continue;
    }
    const held = leaseFromRow(current);
    if (held && held.owner !== lease.owner && held.until >= now && recordFromRow(current)?.status !== 'uploaded') return { kind: 'held', lease: held };
    // The lease ended, or the job was recorded, between our writes: try once more.
  }
  return { kind: 'held' };
}

/**
 * Counts one delivery on the job's record and drops any lease, only when the record is
 * `uploaded`; false (nothing written) otherwise. Not repeated after an ambiguous failure:
 * INCREMENT is not idempotent.
 */
export function countUploadedDelivery(row: RowAccess, now: number): Promise<boolean> {
  const count = countWrite(now);
  return row.update(count.condition, count.updates, false);
}

/** The cells of a lease. */
function leaseCells(lease: Lease): Array<Record<string, unknown>> {
  return [{ [LEASE_OWNER]: lease.owner }, { [LEASE_UNTIL]: integerCell(lease.until) }];
}

/** The claim as one conditional UpdateRow (its condition and updates), for a single row or a batch row. */
export function claimWrite(lease: Lease, now: number): { condition: TableStore.Condition; updates: ColumnUpdates } {
  return { condition: writeCondition('IGNORE', claimable(lease.owner, now)), updates: [{ PUT: leaseCells(lease) }] };
}

/** The count of an uploaded job's delivery as one conditional UpdateRow (it drops the lease too). */
export function countWrite(now: number): { condition: TableStore.Condition; updates: ColumnUpdates } {
  return {
    condition: writeCondition('EXPECT_EXIST', statusIs('uploaded')),
    updates: [{ PUT: [{ updated_at: integerCell(now) }] }, { INCREMENT: [{ deliveries: integerCell(1) }] }, dropLease()],
  };
}

/** Drops the lease if `owner` still holds it; false when it did not (nothing written). */
export function releaseLease(row: RowAccess, owner: string): Promise<boolean> {
  return row.update(writeCondition('EXPECT_EXIST', leaseHeldBy(owner)), [dropLease()], true);
}
