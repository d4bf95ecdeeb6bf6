import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBodyTemplate, standardBodyTemplate, SYSTEM_VARIABLES } from '../../../lib/protocol/template';
import { CallbackParamsError } from '../../../lib/protocol/encode';

/**
 * Fills a template the way OSS's Callback page says OSS does (form bodies get URL-encoded
 * values, JSON bodies values in JSON format: https://www.alibabacloud.com/help/en/oss/developer-reference/callback), to check the result parses.
 */
function fillJson(template: string, values: Record<string, string | number | undefined>): string {
  return template.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined || v === '') return typeof v === 'number' ? '' : name.startsWith('imageInfo.h') || name.startsWith('imageInfo.w') ? '' : '""';
    return typeof v === 'number' ? String(v) : JSON.stringify(v);
  });
}

describe('buildBodyTemplate', () => {
  test('form body: names and constants percent-encoded, variables as placeholders', () => {
    assert.equal(
      buildBodyTemplate({ bucket: { system: 'bucket' }, 'my field': { constant: 'a&b=c' }, 'x:job_id': { custom: 'x:job_id' } }),
      'bucket=${bucket}&my%20field=a%26b%3Dc&x%3Ajob_id=${x:job_id}',
    );
  });

  test('JSON body: variables unquoted, image dimensions quoted, constants as JSON strings', () => {
    const template = buildBodyTemplate(
      { object: { system: 'object' }, size: { system: 'size' }, h: { system: 'imageInfo.height' }, job: { custom: 'x:job_id' }, k: { constant: 'v"1' } },
      'application/json',
    );
    assert.equal(template, '{"object":${object},"size":${size},"h":"${imageInfo.height}","job":${x:job_id},"k":"v\\"1"}');
    // A non-image: OSS leaves the dimension empty; the JSON must still parse.
    const filled = fillJson(template, { object: 'a/b c.txt', size: 12, 'imageInfo.height': undefined, 'x:job_id': 'j1' });
    assert.deepEqual(JSON.parse(filled), { object: 'a/b c.txt', size: 12, h: '', job: 'j1', k: 'v"1' });
  });

  test('refuses unknown system variables, bad custom keys and empty field lists', () => {
    assert.throws(() => buildBodyTemplate({}), CallbackParamsError);
    assert.throws(() => buildBodyTemplate({ a: { system: 'nope' as never } }), /unknown OSS system variable/);
    assert.throws(() => buildBodyTemplate({ a: { custom: 'job' } }), (e: unknown) => e instanceof CallbackParamsError && e.reason === 'bad_custom_key');
  });
});

describe('standardBodyTemplate', () => {
  test('names every system variable after itself and every custom key after its x: key', () => {
    const form = standardBodyTemplate(['x:job_id', 'x:token']);
    for (const v of SYSTEM_VARIABLES) assert.ok(form.includes(`${encodeURIComponent(v)}=\${${v}}`), v);
    assert.ok(form.endsWith('x%3Ajob_id=${x:job_id}&x%3Atoken=${x:token}'));
    const json = standardBodyTemplate(['x:job_id'], 'application/json');
    assert.ok(json.startsWith('{"bucket":${bucket},'));
    assert.ok(json.includes('"imageInfo.width":"${imageInfo.width}"'));
  });
});
