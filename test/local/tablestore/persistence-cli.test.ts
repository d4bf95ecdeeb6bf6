// Persistence across restarts (--data-dir) and the command line entry point.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../../local/tablestore/index';
import { attrs, cond, sdkClient, tableParams, TS } from './helpers';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ts-emu-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('Tablestore emulator: persistence', () => {
  test('tables and rows survive a restart with the same data directory', async () => {
    const dataDir = tempDir();
    let emu: TablestoreEmulator = await startTablestoreEmulator({ dataDir });
    let client = sdkClient(emu);
    await client.createTable(tableParams('kept', [{ name: 'id', type: 'STRING' }]));
    await client.putRow({
      tableName: 'kept',
      primaryKey: [{ id: 'a' }],
      attributeColumns: [{ big: TS.Long.fromString('-9223372036854775808') }, { bin: Buffer.from([1, 2]) }, { d: 0.1 }, { s: 'é' }, { t: false }],
      condition: cond('IGNORE'),
    });
    await client.putRow({ tableName: 'kept', primaryKey: [{ id: 'b' }], attributeColumns: [{ v: 'x' }], condition: cond('IGNORE') });
    await client.updateRow({ tableName: 'kept', primaryKey: [{ id: 'a' }], updateOfAttributeColumns: [{ INCREMENT: [{ n: TS.Long.fromNumber(7) }] }], condition: cond('IGNORE') });
    await client.deleteRow({ tableName: 'kept', primaryKey: [{ id: 'b' }], condition: cond('IGNORE') });
    await client.createTable(tableParams('dropped', [{ name: 'id', type: 'STRING' }]));
    await client.deleteTable({ tableName: 'dropped' });
    await emu.close();

    // A crash in the middle of an append leaves a torn last line; it must not block a start.
    appendFileSync(join(dataDir, 'tablestore.jsonl'), '{"op":"putRow","table":"kept","ro');

    emu = await startTablestoreEmulator({ dataDir });
    client = sdkClient(emu);
    assert.deepEqual((await client.listTable({})).tableNames, ['kept']);
    const a = (await client.getRow({ tableName: 'kept', primaryKey: [{ id: 'a' }] })).row;
    assert.deepEqual(attrs(a), { big: '-9223372036854775808', bin: '0102', d: '0.1', n: '7', s: 'é', t: 'false' });
    assert.deepEqual((await client.getRow({ tableName: 'kept', primaryKey: [{ id: 'b' }] })).row, {});
    await emu.close();
    const lines = readFileSync(join(dataDir, 'tablestore.jsonl'), 'utf8').split('\n').filter(Boolean);
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), 'the journal was compacted on start, torn line gone');
  });

  test('without a data directory nothing survives', async () => {
    let emu = await startTablestoreEmulator();
    await sdkClient(emu).createTable(tableParams('gone', [{ name: 'id', type: 'STRING' }]));
    await emu.close();
    emu = await startTablestoreEmulator();
    assert.deepEqual((await sdkClient(emu).listTable({})).tableNames, []);
    await emu.close();
  });
});

function runCli(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', 'local/tablestore/cli.ts', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('Tablestore emulator: command line', () => {
  test('prints one ready line, serves the SDK, and stops cleanly on SIGTERM', async () => {
    const child = runCli(['--port', '0', '--data-dir', tempDir(), '--instance', 'cli', '--access-key-id', 'k', '--access-key-secret', 's']);
    let out = '';
    child.stdout.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('\n')) resolve();
      });
      child.once('exit', () => reject(new Error(`exited early: ${out}`)));
    });
    const match = /^Tablestore emulator listening on (http:\/\/127\.0\.0\.1:(\d+))\n$/.exec(out);
    assert.ok(match, `ready line: ${JSON.stringify(out)}`);
    const client = new TS.Client({ accessKeyId: 'k', secretAccessKey: 's', endpoint: match[1], instancename: 'cli', maxRetries: 0 });
    assert.deepEqual((await client.listTable({})).tableNames, []);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    assert.equal(out.split('\n').filter(Boolean).length, 1, 'exactly one line on stdout');
  });

  test('a bad flag names the flag and exits with status 2', async () => {
    const child = runCli(['--prot', '1']);
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => (err += c));
    const [code] = await once(child, 'exit');
    assert.equal(code, 2);
    assert.match(err, /unknown option --prot/);
    const badPort = runCli(['--port', 'x']);
    const [code2] = await once(badPort, 'exit');
    assert.equal(code2, 2);
  });
});
