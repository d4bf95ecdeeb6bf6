/**
 * Column conditions and filters: the protobuf `Filter` (tablestore_filter.proto) that
 * the SDK sends as a write's `column_condition` and as a read's `filter`, parsed into a
 * tree and evaluated against a row's latest column values.
 *
 * Semantics (Tablestore "条件更新" / filter docs): a single-column condition on a column
 * the row lacks passes unless `filter_if_missing` is set (the SDK sends it as
 * `!passIfMissing`); NOT takes exactly one sub-condition, AND and OR at least two.
 */
import { decodeVariant, PlainBufferError } from '../plainbuffer/decode';
import type { ColumnValue } from '../plainbuffer/model';
import { decodeMessage } from '../protocol/schema';
import { parameterInvalid } from '../protocol/errors';
import { compareColumnValues } from './compare';
import type { StoredCell } from './model';

export type Comparator = 'EQUAL' | 'NOT_EQUAL' | 'GREATER_THAN' | 'GREATER_EQUAL' | 'LESS_THAN' | 'LESS_EQUAL';

export type ColumnFilter =
  | { kind: 'single'; comparator: Comparator; column: string; value: ColumnValue; filterIfMissing: boolean }
  | { kind: 'composite'; operator: 'NOT' | 'AND' | 'OR'; children: ColumnFilter[] }
  | { kind: 'pagination'; offset: number; limit: number };

const COMPARATORS: Record<number, Comparator> = {
  1: 'EQUAL',
  2: 'NOT_EQUAL',
  3: 'GREATER_THAN',
  4: 'GREATER_EQUAL',
  5: 'LESS_THAN',
  6: 'LESS_EQUAL',
};
const OPERATORS: Record<number, 'NOT' | 'AND' | 'OR'> = { 1: 'NOT', 2: 'AND', 3: 'OR' };

interface FilterMessage {
  type: number;
  filter: Buffer;
}

function parseMessage<T>(name: string, bytes: Uint8Array): T {
  try {
    return decodeMessage<T>(name, bytes);
  } catch (err) {
    throw parameterInvalid(`Invalid column condition: ${(err as Error).message}`);
  }
}

function fromMessage(message: FilterMessage, depth: number): ColumnFilter {
  if (depth > 32) throw parameterInvalid('Column condition is nested too deeply.');
  switch (message.type) {
    case 1: {
      const single = parseMessage<{ comparator: number; columnName: string; columnValue: Buffer; filterIfMissing: boolean }>(
        'SingleColumnValueFilter',
        message.filter,
      );
      const comparator = COMPARATORS[single.comparator];
      if (!comparator) throw parameterInvalid(`Invalid comparator: ${single.comparator}.`);
      let value;
      try {
        value = decodeVariant(single.columnValue);
      } catch (err) {
        if (err instanceof PlainBufferError) throw parameterInvalid(`Invalid column value in condition: ${err.message}`);
        throw err;
      }
      if (value.type === 'INF_MIN' || value.type === 'INF_MAX' || value.type === 'AUTO_INCREMENT') {
        throw parameterInvalid(`Invalid column value type in condition: ${value.type}.`);
      }
      return { kind: 'single', comparator, column: single.columnName, value, filterIfMissing: single.filterIfMissing };
    }
    case 2: {
      const composite = parseMessage<{ combinator: number; subFilters?: FilterMessage[] }>('CompositeColumnValueFilter', message.filter);
      const operator = OPERATORS[composite.combinator];
      if (!operator) throw parameterInvalid(`Invalid logical operator: ${composite.combinator}.`);
      const children = (composite.subFilters ?? []).map((f) => fromMessage(f, depth + 1));
      if (operator === 'NOT' && children.length !== 1) throw parameterInvalid('NOT condition must have exactly one sub condition.');
      if (operator !== 'NOT' && children.length < 2) throw parameterInvalid(`${operator} condition must have at least two sub conditions.`);
      return { kind: 'composite', operator, children };
    }
    case 3: {
      const page = parseMessage<{ offset: number; limit: number }>('ColumnPaginationFilter', message.filter);
      if (page.offset < 0 || page.limit < 0) throw parameterInvalid('Column pagination offset and limit must not be negative.');
      return { kind: 'pagination', offset: page.offset, limit: page.limit };
    }
    default:
      throw parameterInvalid(`Invalid filter type: ${message.type}.`);
  }
}

/** Parses the serialized `Filter` a request carries. */
export function parseFilter(bytes: Uint8Array): ColumnFilter {
  return fromMessage(parseMessage<FilterMessage>('Filter', bytes), 0);
}

function comparatorHolds(comparator: Comparator, order: -1 | 0 | 1 | undefined): boolean {
  // Values of different types are never equal and never ordered.
  if (order === undefined) return comparator === 'NOT_EQUAL';
  switch (comparator) {
    case 'EQUAL':
      return order === 0;
    case 'NOT_EQUAL':
      return order !== 0;
    case 'GREATER_THAN':
      return order > 0;
    case 'GREATER_EQUAL':
      return order >= 0;
    case 'LESS_THAN':
      return order < 0;
    case 'LESS_EQUAL':
      return order <= 0;
  }
}

/**
 * Whether a row (its columns; empty when the row does not exist) passes the filter.
 * A pagination filter selects columns rather than rows, so it always passes here.
 */
export function rowPasses(filter: ColumnFilter, columns: ReadonlyMap<string, StoredCell>): boolean {
  switch (filter.kind) {
    case 'single': {
      const cell = columns.get(filter.column);
      if (!cell) return !filter.filterIfMissing;
      return comparatorHolds(filter.comparator, compareColumnValues(cell.value, filter.value));
    }
    case 'composite':
      if (filter.operator === 'NOT') return !rowPasses(filter.children[0]!, columns);
      if (filter.operator === 'AND') return filter.children.every((c) => rowPasses(c, columns));
      return filter.children.some((c) => rowPasses(c, columns));
    case 'pagination':
      return true;
  }
}

/** The column pagination a read filter asks for, if it is one. */
export function paginationOf(filter: ColumnFilter | undefined): { offset: number; limit: number } | undefined {
  return filter?.kind === 'pagination' ? { offset: filter.offset, limit: filter.limit } : undefined;
}
