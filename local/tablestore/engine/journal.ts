/**
 * Persistence for `--data-dir`: an append-only JSON-lines journal of changes
 * (`tablestore.jsonl`). Opening it replays every line, then rewrites the file as a
 * compact snapshot (written to a temporary file and renamed, so a crash leaves either
 * the old or the new file). A torn last line, from a crash mid-append, is ignored.
 *
 * @example
 * const journal = openJournal('/tmp/ts-data');
 * const db = new Database((c) => journal.append(c));
 * journal.load(db);
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ColumnValue, KeyCell, KeyValue } from '../plainbuffer/model';
import type { Change, Database } from './database';
import type { StoredRow } from './model';

type JsonValue = { t: string; v?: string | boolean };

function valueToJson(value: ColumnValue | KeyValue): JsonValue {
  switch (value.type) {
    case 'INTEGER':
      return { t: 'INTEGER', v: value.value.toString() };
    case 'DOUBLE':
      return { t: 'DOUBLE', v: String(value.value) };
    case 'BOOLEAN':
      return { t: 'BOOLEAN', v: value.value };
    case 'STRING':
      return { t: 'STRING', v: value.value };
    case 'BINARY':
      return { t: 'BINARY', v: value.value.toString('base64') };
    default:
      return { t: value.type };
  }
}

function valueFromJson(json: JsonValue): ColumnValue {
  switch (json.t) {
    case 'INTEGER':
      return { type: 'INTEGER', value: BigInt(json.v as string) };
    case 'DOUBLE':
      return { type: 'DOUBLE', value: Number(json.v) };
    case 'BOOLEAN':
      return { type: 'BOOLEAN', value: json.v === true };
    case 'STRING':
      return { type: 'STRING', value: json.v as string };
    case 'BINARY':
      return { type: 'BINARY', value: Buffer.from(json.v as string, 'base64') };
    default:
      throw new Error(`journal holds an unknown value type ${json.t}`);
  }
}

function keyToJson(key: readonly KeyCell[]): unknown {
  return key.map((k) => ({ n: k.name, ...valueToJson(k.value) }));
}

function keyFromJson(json: unknown): KeyCell[] {
  return (json as ({ n: string } & JsonValue)[]).map((k) => ({ name: k.n, value: valueFromJson(k) as KeyValue }));
}

function rowToJson(row: StoredRow): unknown {
  return {
    key: keyToJson(row.key),
    columns: [...row.columns].map(([name, cell]) => ({ n: name, ts: cell.timestamp, ...valueToJson(cell.value) })),
  };
}

function rowFromJson(json: { key: unknown; columns: ({ n: string; ts: number } & JsonValue)[] }): StoredRow {
  return {
    key: keyFromJson(json.key),
    columns: new Map(json.columns.map((c) => [c.n, { value: valueFromJson(c), timestamp: c.ts }])),
  };
}

/** One journal line for a change. */
export function changeToLine(change: Change): string {
  switch (change.kind) {
    case 'createTable':
      return JSON.stringify({ op: 'createTable', schema: change.schema });
    case 'deleteTable':
      return JSON.stringify({ op: 'deleteTable', table: change.table });
    case 'putRow':
      return JSON.stringify({ op: 'putRow', table: change.table, row: rowToJson(change.row) });
    case 'deleteRow':
      return JSON.stringify({ op: 'deleteRow', table: change.table, key: keyToJson(change.key) });
  }
}

/** The change a journal line records. */
export function changeFromLine(line: string): Change {
  const j = JSON.parse(line) as Record<string, unknown>;
  switch (j.op) {
    case 'createTable':
      return { kind: 'createTable', schema: j.schema as never };
    case 'deleteTable':
      return { kind: 'deleteTable', table: j.table as string };
    case 'putRow':
      return { kind: 'putRow', table: j.table as string, row: rowFromJson(j.row as never) };
    case 'deleteRow':
      return { kind: 'deleteRow', table: j.table as string, key: keyFromJson(j.key) };
    default:
      throw new Error(`journal holds an unknown operation ${String(j.op)}`);
  }
}

export interface Journal {
  /** Replays the journal into `db`, then compacts the file. */
  load(db: Database): void;
  /** Records one change (synchronously, so an acknowledged write is on disk). */
  append(change: Change): void;
}

/** Opens (creating if needed) the journal in `dataDir`. */
export function openJournal(dataDir: string): Journal {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'tablestore.jsonl');
  return {
    load(db) {
      if (existsSync(file)) {
        const lines = readFileSync(file, 'utf8').split('\n');
        lines.forEach((line, i) => {
          if (line.trim() === '') return;
          try {
            db.replay(changeFromLine(line));
          } catch (err) {
            if (i === lines.length - 1) return; // torn final append
            throw new Error(`${file} line ${i + 1} is corrupt: ${(err as Error).message}`, { cause: err });
          }
        });
      }
      const snapshot: string[] = [];
      for (const { schema, rows } of db.snapshot()) {
        snapshot.push(changeToLine({ kind: 'createTable', schema }));
        for (const row of rows) snapshot.push(changeToLine({ kind: 'putRow', table: schema.name, row }));
      }
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, snapshot.map((l) => `${l}\n`).join(''));
      renameSync(tmp, file);
    },
    append(change) {
      appendFileSync(file, `${changeToLine(change)}\n`);
    },
  };
}
