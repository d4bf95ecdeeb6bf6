/**
 * One logical store call's access to a job's row: conditional writes that answer whether
 * their condition held, and a read of the raw row, all within the call's deadline.
 */
import TableStore from 'tablestore';
import type { TablestoreClient } from './client';
import { StoreError } from './errors';
import { primaryKeyOf, type SdkRow } from './row';

/** The update half of an UpdateRow request, as the SDK takes it. */
export type ColumnUpdates = Array<{ PUT: Array<Record<string, unknown>> } | { INCREMENT: Array<Record<string, unknown>> } | { DELETE_ALL: string[] }>;

/**
 * A job's row for the length of one store call.
 *
 * @example
 * const row = new RowAccess(client, 'upload_results', 'inv-1', Date.now() + 3000);
 * const written = await row.update(condition, [{ PUT: [{ status: 'failed' }] }], true);
 */
export class RowAccess {
  constructor(
    private readonly client: TablestoreClient,
    private readonly table: string,
    readonly jobId: string,
    private readonly deadlineAt: number,
  ) {}

  /**
   * UpdateRow under `condition`: true when written, false on OTSConditionCheckFail.
   * `idempotent` says whether repeating it after an ambiguous failure changes nothing
   * (false for INCREMENT).
   */
  update(condition: TableStore.Condition, updates: ColumnUpdates, idempotent: boolean): Promise<boolean> {
    const params = { tableName: this.table, primaryKey: primaryKeyOf(this.jobId), condition, updateOfAttributeColumns: updates, returnContent: { returnType: TableStore.ReturnType.NONE } };
    return this.conditional('updateRow', params, idempotent);
  }

  /** PutRow (the whole row) under `condition`: true when written, false on OTSConditionCheckFail. */
  put(condition: TableStore.Condition, cells: Array<Record<string, unknown>>, idempotent: boolean): Promise<boolean> {
    const params = { tableName: this.table, primaryKey: primaryKeyOf(this.jobId), condition, attributeColumns: cells, returnContent: { returnType: TableStore.ReturnType.NONE } };
    return this.conditional('putRow', params, idempotent);
  }

  /** The row as the SDK decodes it (`{}` when there is none). */
  async read(): Promise<SdkRow | undefined> {
    const data = await this.client.call<{ row?: SdkRow }>(
      'getRow',
      { tableName: this.table, primaryKey: primaryKeyOf(this.jobId), maxVersions: 1 },
      { deadlineAt: this.deadlineAt, idempotent: true },
    );
    // The SDK answers a missing row with `row: {}` (lib/protocol/decoder.js _parseRowItem).
    return data.row;
  }

  private async conditional(operation: 'putRow' | 'updateRow', params: unknown, idempotent: boolean): Promise<boolean> {
    try {
      await this.client.call(operation, params, { deadlineAt: this.deadlineAt, idempotent });
      return true;
    } catch (err) {
      if (err instanceof StoreError && err.code === 'OTSConditionCheckFail') return false;
      throw err;
    }
  }
}
