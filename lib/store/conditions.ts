/**
 * The Tablestore write conditions the store relies on, in one place.
 *
 * Semantics, as Tablestore documents them:
 * - A write first checks the row existence expectation (IGNORE, EXPECT_EXIST,
 *   EXPECT_NOT_EXIST), then the column condition; if either fails, nothing is written and
 *   the answer is the error `OTSConditionCheckFail` (HTTP 403)
 *   (https://www.alibabacloud.com/help/en/tablestore/latest/conditional-update, read
 *   2026-12-02; error code list: https://www.alibabacloud.com/help/en/tablestore/developer-reference/error-codes).
 * - A single-column condition on a column the row does not have passes when
 *   `passIfMissing` is true (the default) and fails when it is false (same page; the Java
 *   SDK's own service test `testColumnMissing` in aliyun/aliyun-tablestore-java-sdk
 *   src/test/java/com/alicloud/openservices/tablestore/model/UnifiedConditionalUpdateTest.java,
 *   commit 517cd79e3fd0eea85d8aa981b68fca3ad85977c9, asserts both).
 * - STRING cells compare bytewise, INTEGER cells as signed 64-bit numbers; a composite
 *   condition combines at most 32 conditions with NOT / AND / OR (the same test's `testLimits`).
 * - UpdateRow inserts the row when it does not exist
 *   (https://www.alibabacloud.com/help/en/tablestore/developer-reference/updaterow).
 *
 * Whether a column condition sees a missing row as "every column missing" is not written
 * down; the store never depends on it alone (see lease.ts and store.ts for the fallbacks).
 */
import TableStore from 'tablestore';
import type { RecordStatus } from '../records/record';
import { integerCell, LEASE_OWNER, LEASE_UNTIL } from './row';

type ColumnCondition = TableStore.SingleColumnCondition | TableStore.CompositeCondition;
type Comparator = (typeof TableStore.ComparatorType)[keyof typeof TableStore.ComparatorType];
type LogicalOperator = (typeof TableStore.LogicalOperator)[keyof typeof TableStore.LogicalOperator];

function single(column: string, value: string | TableStore.int64, comparator: Comparator, passIfMissing: boolean): TableStore.SingleColumnCondition {
  // latestVersionOnly: the table keeps one version, so only the latest exists anyway.
  return new TableStore.SingleColumnCondition(column, value, comparator, passIfMissing, true);
}

function combine(operator: LogicalOperator, ...conditions: ColumnCondition[]): TableStore.CompositeCondition {
  const composite = new TableStore.CompositeCondition(operator);
  for (const condition of conditions) composite.addSubCondition(condition);
  return composite;
}

/** A full write condition: row existence plus an optional column condition. */
export function writeCondition(existence: 'IGNORE' | 'EXPECT_EXIST' | 'EXPECT_NOT_EXIST', column: ColumnCondition | null = null): TableStore.Condition {
  return new TableStore.Condition(TableStore.RowExistenceExpectation[existence], column);
}

/**
 * "The row has no status": `status = x AND status != x`, both passing when the column is
 * missing, is true exactly when `status` is absent (no value is both equal and unequal).
 */
export function statusMissing(): TableStore.CompositeCondition {
  const probe = 'failed';
  return combine(
    TableStore.LogicalOperator.AND,
    single('status', probe, TableStore.ComparatorType.EQUAL, true),
    single('status', probe, TableStore.ComparatorType.NOT_EQUAL, true),
  );
}

/**
 * "The stored status is lower than `status`". The three statuses sort bytewise in rank
 * order ('f' < 's' < 'u'; pinned by test/lib/store/row.test.ts), so a STRING comparison is a
 * rank comparison. A missing status counts as lower (the row holds only a lease).
 */
export function statusBelow(status: RecordStatus): TableStore.SingleColumnCondition {
  return single('status', status, TableStore.ComparatorType.LESS_THAN, true);
}

/** "The stored status is exactly `status`" (a missing status fails). */
export function statusIs(status: RecordStatus): TableStore.SingleColumnCondition {
  return single('status', status, TableStore.ComparatorType.EQUAL, false);
}

/**
 * "This invocation may claim the job": not `uploaded`, and either no live lease (none, or
 * one that ended before `now`) or a lease this owner already holds (a repeated claim, e.g.
 * a retried request whose first attempt was applied, or the same job later in the batch).
 */
export function claimable(owner: string, now: number): TableStore.CompositeCondition {
  return combine(
    TableStore.LogicalOperator.AND,
    single('status', 'uploaded', TableStore.ComparatorType.NOT_EQUAL, true),
    combine(
      TableStore.LogicalOperator.OR,
      single(LEASE_UNTIL, integerCell(now), TableStore.ComparatorType.LESS_THAN, true),
      single(LEASE_OWNER, owner, TableStore.ComparatorType.EQUAL, false),
    ),
  );
}

/** "The lease is held by `owner`" (no lease fails). */
export function leaseHeldBy(owner: string): TableStore.SingleColumnCondition {
  return single(LEASE_OWNER, owner, TableStore.ComparatorType.EQUAL, false);
}
