// The layout's import rules (README, "Layout"): lib/ is what the functions ship and uses
// nothing else of the repository; local/ and scripts/ meet only at local/stack.ts; tools/
// serves both and depends on neither.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';

/** Every import of a repository file from the TypeScript files under `dir`, as `from -> to`. */
async function importsUnder(dir: string): Promise<{ from: string; to: string }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && /\.(ts|mts)$/.test(e.name)).map((e) => path.join(e.parentPath, e.name));
  const found: { from: string; to: string }[] = [];
  for (const from of files) {
    const { importedFiles } = ts.preProcessFile(await readFile(from, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (fileName.startsWith('.')) found.push({ from, to: path.normalize(path.join(path.dirname(from), fileName)) });
    }
  }
  return found;
}

function breaking(imports: { from: string; to: string }[], allowed: (to: string) => boolean): string[] {
  return imports.filter(({ to }) => !allowed(to)).map(({ from, to }) => `${from} -> ${to}`);
}

test('lib/ imports only lib/; functions/<fn>/ only lib/ and its own folder (nothing of another function)', async () => {
  assert.deepEqual(breaking(await importsUnder('lib'), (to) => to.startsWith('lib/')), []);
  const functionImports = await importsUnder('functions');
  const ownFolder = (from: string, to: string) => to.startsWith(`${path.dirname(from)}/`);
  assert.deepEqual(
    functionImports.filter(({ from, to }) => !to.startsWith('lib/') && !ownFolder(from, to)).map(({ from, to }) => `${from} -> ${to}`),
    [],
  );
});

test('tools/ imports only lib/ and tools/', async () => {
  assert.deepEqual(breaking(await importsUnder('tools'), (to) => to.startsWith('lib/') || to.startsWith('tools/')), []);
});

test('local/ never imports scripts/; scripts/ uses local/ only through local/stack.ts', async () => {
  assert.deepEqual(breaking(await importsUnder('local'), (to) => !to.startsWith('scripts/')), []);
  assert.deepEqual(breaking(await importsUnder('scripts'), (to) => !to.startsWith('local/') || to === 'local/stack'), []);
});
