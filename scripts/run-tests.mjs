#!/usr/bin/env node
// Node 20's test runner does not expand globs, so this collects the test files itself
// and hands them to `node --test` with tsx as the TypeScript loader.
// Usage: node scripts/run-tests.mjs [dir-or-file ...]   (default: test/, minus test/reliability/)
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(path, out) {
  if (statSync(path).isFile()) {
    if (path.endsWith('.test.ts')) out.push(path);
    return out;
  }
  for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  return out;
}

const args = process.argv.slice(2);
const roots = args.length > 0 ? args : ['test'];
const excluded = args.length > 0 ? [] : [join('test', 'reliability')];
const files = roots.flatMap((root) => collect(root, [])).filter((f) => !excluded.some((e) => f.startsWith(e + '/')));
if (files.length === 0) {
  console.error(`no *.test.ts files under ${roots.join(', ')}`);
  process.exit(1);
}
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
