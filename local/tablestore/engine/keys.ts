/**
 * Checks a request's primary key against the table schema, with the service's messages
 * ("Validate PK size fail. Input: 1, Meta: 2.", "Validate PK name fail. Input: PK2,
 * Meta: PK1.", as the official SDKs' tests assert them; error OTSInvalidPK, 400).
 */
import type { KeyCell } from '../plainbuffer/model';
import { OtsError } from '../protocol/errors';
import type { TableSchema } from './model';

/** Where a key is used decides which markers it may hold. */
export type KeyUse = 'write' | 'read' | 'range';

const VT_NAME: Record<string, string> = {
  INTEGER: 'VT_INTEGER',
  STRING: 'VT_STRING',
  BINARY: 'VT_BLOB',
  INF_MIN: 'VT_INF_MIN',
  INF_MAX: 'VT_INF_MAX',
  AUTO_INCREMENT: 'VT_AUTO_INCREMENT',
};

function invalidPk(message: string): OtsError {
  return new OtsError('OTSInvalidPK', message);
}

/**
 * Throws OTSInvalidPK unless `key` names the schema's key columns in order with values of
 * their types. `range` keys may hold INF_MIN/INF_MAX; `write` keys may hold AUTO_INCREMENT
 * in an auto-increment column.
 */
export function validateKey(schema: TableSchema, key: readonly KeyCell[], use: KeyUse): void {
  if (key.length !== schema.primaryKey.length) {
    throw invalidPk(`Validate PK size fail. Input: ${key.length}, Meta: ${schema.primaryKey.length}.`);
  }
  schema.primaryKey.forEach((column, i) => {
    const cell = key[i]!;
    if (cell.name !== column.name) throw invalidPk(`Validate PK name fail. Input: ${cell.name}, Meta: ${column.name}.`);
    const t = cell.value.type;
    const allowed =
      t === column.type ||
      (use === 'range' && (t === 'INF_MIN' || t === 'INF_MAX')) ||
      (use === 'write' && t === 'AUTO_INCREMENT' && column.autoIncrement);
    if (!allowed) throw invalidPk(`Validate PK type fail. Input: ${VT_NAME[t]}, Meta: ${VT_NAME[column.type]}.`);
  });
}
