// Wire-level behaviour: authentication, content MD5, response headers and signature,
// fault injection (in process and over HTTP).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../../local/tablestore/index';
import { decodeMessage, encodeMessage } from '../../../local/tablestore/protocol/schema';
import { cond, rejection, sdkClient, tableParams } from './helpers';

interface RawOptions {
  secret?: string;
  md5?: string;
  date?: string;
  method?: string;
  omit?: string;
}

/** Sends one request signed the way the SDK signs (lib/signer.js), with knobs to break it. */
async function raw(emu: TablestoreEmulator, operation: string, body: Buffer, o: RawOptions = {}) {
  const headers: Record<string, string> = {
    'x-ots-date': o.date ?? new Date().toISOString(),
    'x-ots-apiversion': '2015-12-31',
    'x-ots-accesskeyid': emu.accessKeyId,
    'x-ots-instancename': emu.instance,
    'x-ots-contentmd5': o.md5 ?? createHash('md5').update(body).digest('base64'),
  };
  const canonical = Object.keys(headers).sort().map((k) => `${k}:${headers[k]}`).join('\n');
  headers['x-ots-signature'] = createHmac('sha1', o.secret ?? emu.accessKeySecret).update(`/${operation}\nPOST\n\n${canonical}\n`).digest('base64');
  if (o.omit) delete headers[o.omit];
  const res = await fetch(`${emu.url}/${operation}`, { method: o.method ?? 'POST', headers, body: o.method === 'GET' ? undefined : body });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body: bytes };
}

function errorBody(body: Buffer): { code: string; message?: string } {
  return decodeMessage('Error', body);
}

describe('Tablestore emulator: protocol', () => {
  let emu: TablestoreEmulator;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let client: any;
  const listBody = encodeMessage('ListTableRequest', {});

  before(async () => {
    emu = await startTablestoreEmulator({ instance: 'inst', accessKeyId: 'id-1', accessKeySecret: 'secret-1' });
    client = sdkClient(emu);
    await client.createTable(tableParams('t', [{ name: 'id', type: 'STRING' }]));
  });
  after(() => emu.close());

  test('a wrong secret is OTSAuthFailed (403) "Signature mismatch."', async () => {
    const wrong = sdkClient(emu, { secretAccessKey: 'not-the-secret' });
    assert.deepEqual(await rejection(wrong.listTable({})), { status: 403, code: 'OTSAuthFailed', message: 'Signature mismatch.' });
  });

  test('an unknown key id or instance is OTSAuthFailed', async () => {
    assert.equal((await rejection(sdkClient(emu, { accessKeyId: 'other' }).listTable({}))).message, 'The AccessKeyID does not exist.');
    assert.equal((await rejection(sdkClient(emu, { instancename: 'other' }).listTable({}))).message, 'The instance is not found.');
  });

  test('a body that does not match x-ots-contentmd5 is OTSAuthFailed (403)', async () => {
    const res = await raw(emu, 'ListTable', listBody, { md5: createHash('md5').update('something else').digest('base64') });
    assert.equal(res.status, 403);
    assert.deepEqual(errorBody(res.body), { code: 'OTSAuthFailed', message: 'Mismatch between MD5 value of request body and x-ots-contentmd5 in header.' });
  });

  test('a missing header, a bad date and a skewed clock', async () => {
    const missing = await raw(emu, 'ListTable', listBody, { omit: 'x-ots-apiversion' });
    assert.equal(missing.status, 400);
    assert.deepEqual(errorBody(missing.body), { code: 'OTSParameterInvalid', message: "Missing header: 'x-ots-apiversion'." });
    const badDate = await raw(emu, 'ListTable', listBody, { date: 'yesterday' });
    assert.equal(badDate.status, 400);
    const old = new Date(Date.now() - 20 * 60 * 1000).toISOString();
    const skewed = await raw(emu, 'ListTable', listBody, { date: old });
    assert.equal(skewed.status, 403);
    assert.equal(errorBody(skewed.body).message, `Mismatch between system time and x-ots-date: ${old}.`);
  });

  test('only POST is allowed; unknown operations are OTSParameterInvalid', async () => {
    const get = await raw(emu, 'ListTable', listBody, { method: 'GET' });
    assert.equal(get.status, 405);
    assert.equal(errorBody(get.body).code, 'OTSMethodNotAllowed');
    const unknown = await raw(emu, 'FlyToTheMoon', listBody);
    assert.equal(unknown.status, 400);
    assert.equal(errorBody(unknown.body).code, 'OTSParameterInvalid');
  });

  test('responses carry x-ots-contentmd5, -requestid, -date, -contenttype and a valid signature', async () => {
    const res = await raw(emu, 'ListTable', listBody);
    assert.equal(res.status, 200);
    assert.deepEqual(decodeMessage('ListTableResponse', res.body), { tableNames: ['t'] });
    assert.equal(res.headers.get('x-ots-contentmd5'), createHash('md5').update(res.body).digest('base64'));
    assert.ok(res.headers.get('x-ots-requestid'));
    assert.match(res.headers.get('x-ots-date') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(res.headers.get('x-ots-contenttype'), 'protocol buffer');
    // python SDK protocol.py _make_response_signature: sorted x-ots-* lines + "\n" + path
    const names = ['x-ots-contentmd5', 'x-ots-contenttype', 'x-ots-date', 'x-ots-requestid'];
    const text = `${names.map((n) => `${n}:${res.headers.get(n)}`).join('\n')}\n/ListTable`;
    const signature = createHmac('sha1', 'secret-1').update(text).digest('base64');
    assert.equal(res.headers.get('authorization'), `OTS id-1:${signature}`);
  });

  test('fault injection: fail the next N PutRow with a status and code', async () => {
    emu.faults.inject({ operation: 'PutRow', count: 2, status: 503, code: 'OTSServerBusy', message: 'Server is busy.' });
    const putRow = () => client.putRow({ tableName: 't', primaryKey: [{ id: 'f' }], attributeColumns: [{ v: 'x' }], condition: cond('IGNORE') });
    assert.deepEqual(await rejection(putRow()), { status: 503, code: 'OTSServerBusy', message: 'Server is busy.' });
    // Other operations are not affected.
    assert.deepEqual((await client.getRow({ tableName: 't', primaryKey: [{ id: 'f' }] })).row, {});
    assert.equal((await rejection(putRow())).code, 'OTSServerBusy');
    await putRow();
  });

  test('fault injection: delay, and a dropped connection', async () => {
    emu.faults.inject({ operation: 'GetRow', delayMs: 300 });
    const started = Date.now();
    await client.getRow({ tableName: 't', primaryKey: [{ id: 'f' }] });
    assert.ok(Date.now() - started >= 280, 'the request was held back');
    emu.faults.inject({ operation: 'GetRow', drop: true });
    await assert.rejects(client.getRow({ tableName: 't', primaryKey: [{ id: 'f' }] }), (e: { code: string }) => e.code === 'NetworkingError');
    await client.getRow({ tableName: 't', primaryKey: [{ id: 'f' }] });
  });

  test('fault injection over HTTP: POST and DELETE /__emulator/faults', async () => {
    const post = await fetch(`${emu.url}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ operation: 'UpdateRow', count: 3, status: 500, code: 'OTSInternalServerError' }),
    });
    assert.equal(post.status, 200);
    const updateRow = () => client.updateRow({ tableName: 't', primaryKey: [{ id: 'h' }], updateOfAttributeColumns: [{ PUT: [{ v: 'x' }] }], condition: cond('IGNORE') });
    assert.deepEqual(await rejection(updateRow()), { status: 500, code: 'OTSInternalServerError', message: 'injected fault for UpdateRow' });
    assert.equal((await fetch(`${emu.url}/__emulator/faults`, { method: 'DELETE' })).status, 200);
    await updateRow();
    const bad = await fetch(`${emu.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ operation: 'PutRow' }) });
    assert.equal(bad.status, 400);
  });
});
