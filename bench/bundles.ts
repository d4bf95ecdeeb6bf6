/**
 * Bundles for the benchmarks, built into a fresh temporary directory (never dist/, which
 * tests may be using at the same moment): both functions exactly as `npm run build`
 * makes them, and the record-only reference handler of the callback benchmark, bundled
 * the same way.
 */
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFunctions } from '../tools/bundle';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface BenchBundles {
  /** The temporary directory: `<dir>/<fn>/index.js`, usable as startLocalStack's `bundlesDir`. */
  dir: string;
  /** Bundle file of each function: `callback`, `uploader`, `record-only`, and the callback's custom-runtime server `callback-server`. */
  files: Record<'callback' | 'callback-server' | 'uploader' | 'record-only', string>;
  /** Size in bytes of each bundle. */
  bytes: Record<'callback' | 'uploader' | 'record-only', number>;
  /** Bytes of the source files each function's bundle was made from (esbuild's inputs: ours and node_modules'). */
  inputBytes: Record<'callback' | 'uploader', number>;
  /** Removes the directory. */
  remove(): Promise<void>;
}

/**
 * Builds the bundles (minified, as deployed) into a temporary directory.
 *
 * @example
 * const bundles = await buildBenchBundles();
 * const stack = await startLocalStack({ bundlesDir: bundles.dir, build: false });
 */
export async function buildBenchBundles(): Promise<BenchBundles> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'oss-fc-bench-'));
  try {
    const built = await buildFunctions({ outdir: dir });
    const outfile = path.join(dir, 'record-only', 'index.js');
    // The same esbuild settings as tools/bundle.ts, including no strict mode over the tablestore SDK.
    await build({
      absWorkingDir: ROOT,
      entryPoints: ['bench/fixtures/record-only.ts'],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      external: ['proxy-agent'],
      logLevel: 'warning',
      tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
    });
    await writeFile(path.join(dir, 'record-only', 'package.json'), '{ "type": "commonjs" }\n');
    const recordOnlyBytes = (await stat(outfile)).size;
    const byName = (name: string) => built.find((b) => b.name === name)!;
    return {
      dir,
      files: {
        callback: path.join(dir, 'callback', 'index.js'),
        'callback-server': path.join(dir, 'callback', 'server.js'),
        uploader: path.join(dir, 'uploader', 'index.js'),
        'record-only': outfile,
      },
      bytes: { callback: byName('callback').bytes, uploader: byName('uploader').bytes, 'record-only': recordOnlyBytes },
      inputBytes: {
        callback: byName('callback').inputs.reduce((n, input) => n + statSync(path.join(ROOT, input)).size, 0),
        uploader: byName('uploader').inputs.reduce((n, input) => n + statSync(path.join(ROOT, input)).size, 0),
      },
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
