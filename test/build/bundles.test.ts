import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildFunctions, type BuiltBundle } from '../../scripts/build';

const run = promisify(execFile);
let outdir: string;
let bundles: BuiltBundle[];

before(async () => {
  outdir = await mkdtemp(path.join(os.tmpdir(), 'bundles-test-'));
  bundles = await buildFunctions({ outdir });
});
after(() => rm(outdir, { recursive: true, force: true }));

test('every function is bundled, with sizes reported', () => {
  assert.deepEqual(bundles.map((b) => b.name).sort(), ['callback', 'ticket', 'uploader']);
  for (const b of bundles) assert.ok(b.bytes > 10_000, `${b.name} bundle is ${b.bytes} bytes`);
});

test('each bundle is minified CommonJS with a source map, and not strict as a whole (the tablestore SDK needs sloppy mode)', async () => {
  for (const name of ['uploader', 'callback', 'ticket']) {
    const code = await readFile(path.join(outdir, name, 'index.js'), 'utf8');
    assert.ok(!code.startsWith('"use strict"'), `${name} bundle starts with "use strict"`);
    // Minified code is a few very long lines (newlines remain only inside template literals).
    assert.ok(code.length / code.split('\n').length > 5000, `${name} bundle does not look minified`);
    assert.match(code, /sourceMappingURL=index\.js\.map/);
    const map = JSON.parse(await readFile(path.join(outdir, name, 'index.js.map'), 'utf8')) as { sources: string[] };
    assert.ok(map.sources.some((s) => s.includes(`functions/${name}/index.ts`)));
  }
});

test('the callback bundle does not contain ali-oss; the uploader bundle does', async () => {
  const callbackMap = JSON.parse(await readFile(path.join(outdir, 'callback', 'index.js.map'), 'utf8')) as { sources: string[] };
  const uploaderMap = JSON.parse(await readFile(path.join(outdir, 'uploader', 'index.js.map'), 'utf8')) as { sources: string[] };
  assert.ok(!callbackMap.sources.some((s) => s.includes('node_modules/ali-oss/')));
  assert.ok(uploaderMap.sources.some((s) => s.includes('node_modules/ali-oss/')));
});

test('each bundle loads with plain node from a folder with no node_modules and exports handler', async () => {
  for (const name of ['uploader', 'callback', 'ticket']) {
    const alone = await mkdtemp(path.join(os.tmpdir(), `alone-${name}-`));
    try {
      await mkdir(alone, { recursive: true });
      await copyFile(path.join(outdir, name, 'index.js'), path.join(alone, 'index.js'));
      // FC's code directory has no package.json: plain .js is CommonJS there.
      await writeFile(path.join(alone, 'package.json'), '{}\n');
      const { stdout } = await run(process.execPath, ['-e', "process.stdout.write(typeof require('./index.js').handler)"], { cwd: alone });
      assert.equal(stdout, 'function', `${name} bundle does not export a handler`);
    } finally {
      await rm(alone, { recursive: true, force: true });
    }
  }
});
