import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { transform } from 'esbuild';
import ts from 'typescript';
import { buildFunctions, FUNCTIONS, type BuiltBundle } from '../../tools/bundle';

const run = promisify(execFile);
let outdir: string;
let bundles: BuiltBundle[];

before(async () => {
  outdir = await mkdtemp(path.join(os.tmpdir(), 'bundles-test-'));
  bundles = await buildFunctions({ outdir });
});
after(() => rm(outdir, { recursive: true, force: true }));

test('every function is bundled, and the callback custom-runtime server beside it, with sizes reported', () => {
  assert.deepEqual(bundles.map((b) => b.name).sort(), ['callback', 'callback-server', 'ticket', 'uploader']);
  assert.equal(bundles.find((b) => b.name === 'callback-server')!.file, path.join(path.relative(process.cwd(), outdir), 'callback', 'server.js'));
  for (const b of bundles) assert.ok(b.bytes > 10_000, `${b.name} bundle is ${b.bytes} bytes`);
});

test('each bundle is minified CommonJS, and not strict as a whole (the tablestore SDK needs sloppy mode)', async () => {
  for (const name of ['uploader', 'callback', 'ticket']) {
    const code = await readFile(path.join(outdir, name, 'index.js'), 'utf8');
    assert.ok(!code.startsWith('"use strict"'), `${name} bundle starts with "use strict"`);
    // Minified code is a few very long lines (newlines remain only inside template literals).
    assert.ok(code.length / code.split('\n').length > 5000, `${name} bundle does not look minified`);
    const bundle = bundles.find((b) => b.name === name)!;
    assert.ok(bundle.inputs.includes(`functions/${name}/index.ts`), `${name} bundle was not built from functions/${name}/index.ts`);
  }
});

test('the bundles ship without source maps: no map file, no sourceMappingURL (loading one costs cold-start time; README)', async () => {
  for (const name of ['uploader', 'callback']) {
    const files = await readdir(path.join(outdir, name));
    assert.deepEqual(files.filter((f) => f.endsWith('.map')), [], `${name} has a source map`);
    const code = await readFile(path.join(outdir, name, 'index.js'), 'utf8');
    assert.doesNotMatch(code, /sourceMappingURL/);
  }
});

test('sourceMaps: true writes a map beside each bundle (what the cold-start benchmark loads); a later build without removes it', async () => {
  const withMaps = await mkdtemp(path.join(os.tmpdir(), 'bundles-maps-test-'));
  try {
    await buildFunctions({ outdir: withMaps, sourceMaps: true });
    const code = await readFile(path.join(withMaps, 'callback', 'index.js'), 'utf8');
    assert.match(code, /sourceMappingURL=index\.js\.map/);
    const map = JSON.parse(await readFile(path.join(withMaps, 'callback', 'index.js.map'), 'utf8')) as { sources: string[] };
    assert.ok(map.sources.some((s) => s.includes('functions/callback/index.ts')));
    // A stale map would be deployed with code it does not describe.
    await buildFunctions({ outdir: withMaps });
    for (const name of ['uploader', 'callback']) assert.deepEqual((await readdir(path.join(withMaps, name))).filter((f) => f.endsWith('.map')), []);
  } finally {
    await rm(withMaps, { recursive: true, force: true });
  }
});

test('the callback bundle does not contain ali-oss; the uploader bundle does', () => {
  const inputs = (name: string) => bundles.find((b) => b.name === name)!.inputs;
  assert.ok(!inputs('callback').some((s) => s.includes('node_modules/ali-oss/')));
  assert.ok(inputs('uploader').some((s) => s.includes('node_modules/ali-oss/')));
});

/**
 * Every TypeScript source file under `dir`, relative to the repository. Declaration files
 * (`.d.ts`, types of an SDK's untyped internals) hold no code and never reach a bundle.
 */
async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')).map((e) => path.relative(process.cwd(), path.join(e.parentPath, e.name))).sort();
}

/** The repository files `file` imports (type-only imports included), resolved as the bundler does. */
async function importsOf(file: string): Promise<string[]> {
  const { importedFiles } = ts.preProcessFile(await readFile(file, 'utf8'), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => path.normalize(path.join(path.dirname(file), spec)))
    .map((target) => (target.endsWith('.ts') ? target : [`${target}.ts`, path.join(target, 'index.ts')].find((f) => existsSync(f)) ?? target));
}

test('bundle membership: every file under lib/ ships in a function bundle, lib/<function>/ only in its own, nothing from tools, scripts or local', async () => {
  const byBundle = new Map(bundles.map((b) => [b.name, new Set(b.inputs)]));
  const inSome = (file: string) => [...byBundle.values()].some((inputs) => inputs.has(file));
  // A file of types alone compiles to nothing, so no bundle lists it: it counts when a bundled file imports it.
  const bundledImports = new Set((await Promise.all([...new Set(bundles.flatMap((b) => b.inputs))].filter((f) => !f.startsWith('node_modules/')).map(importsOf))).flat());
  const unshipped: string[] = [];
  for (const file of await sourceFiles('lib')) {
    if (inSome(file)) continue;
    const typesOnly = (await transform(await readFile(file, 'utf8'), { loader: 'ts' })).code.trim() === '';
    if (!(typesOnly && bundledImports.has(file))) unshipped.push(file);
  }
  assert.deepEqual(unshipped, [], 'files under lib/ that no deployed function runs: move them next to their users (tools/, local/, scripts/)');
  // A bundle belongs to the function whose folder it is built into (the callback's
  // custom-runtime server goes into dist/callback/ beside its index.js).
  const functionOf = (bundle: string) => FUNCTIONS[bundle]?.dir ?? bundle;
  for (const name of new Set(Object.keys(FUNCTIONS).map(functionOf))) {
    for (const file of await sourceFiles(path.join('lib', name)).catch(() => [])) {
      for (const [other, inputs] of byBundle) if (functionOf(other) !== name) assert.ok(!inputs.has(file), `${file} is in the ${other} bundle: lib/${name}/ is for the ${name} function alone`);
    }
  }
  for (const [name, inputs] of byBundle) {
    const foreign = [...inputs].filter((f) => /^(tools|scripts|local|test|bench)\//.test(f));
    assert.deepEqual(foreign, [], `the ${name} bundle holds code that is not shipped code`);
  }
  assert.ok(![...byBundle.get('callback')!].some((f) => f.includes('node_modules/ali-oss/')), 'the callback bundle holds ali-oss');
});

test('neither bundle contains the tools-only SDKs: functions take their credentials from the FC context', () => {
  for (const name of ['uploader', 'callback']) {
    const inputs = bundles.find((b) => b.name === name)!.inputs;
    for (const sdk of ['@alicloud/credentials', '@alicloud/fc20230330', '@alicloud/openapi-core', 'tools/credentials']) {
      assert.ok(!inputs.some((s) => s.includes(sdk)), `${name} bundle contains ${sdk}`);
    }
  }
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

test('the custom-runtime server bundle, alone in a folder, answers HTTP on FC_CUSTOM_LISTEN_PORT', async () => {
  const alone = await mkdtemp(path.join(os.tmpdir(), 'alone-server-'));
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(p));
    });
  });
  await copyFile(path.join(outdir, 'callback', 'server.js'), path.join(alone, 'server.js'));
  await writeFile(path.join(alone, 'package.json'), '{}\n');
  // No configuration: every request is answered with the handler's 500 misconfigured JSON.
  const child = spawn(process.execPath, ['server.js'], { cwd: alone, env: { PATH: process.env.PATH ?? '', FC_CUSTOM_LISTEN_PORT: String(port), CALLBACK_LISTEN_HOST: '127.0.0.1' }, stdio: 'ignore' });
  try {
    let answer: { status: number; body: string } | undefined;
    for (let i = 0; i < 200 && !answer; i++) {
      answer = await new Promise((resolve) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/' }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', () => setTimeout(() => resolve(undefined), 25));
        req.end();
      });
    }
    assert.equal(answer?.status, 500);
    assert.equal((JSON.parse(answer!.body) as { error: string }).error, 'misconfigured');
  } finally {
    child.kill();
    await rm(alone, { recursive: true, force: true });
  }
});
