/**
 * Bundling the functions (`npm run build`, npm start, the tests and the benchmarks):
 * each function with esbuild into dist/<fn>/index.js — CommonJS
 * (the tablestore SDK breaks in strict-mode ESM), platform node, target node20, minified,
 * without source maps — loadable by plain `node` from a folder with no node_modules.
 *
 * Why no source maps: nothing in FC loads them unless NODE_OPTIONS has
 * --enable-source-maps, and loading them is not free: `npm run bench -- cold-start`
 * measures it (1.3–1.5× the callback's require → ready, whose target is 100 ms; README
 * has the figures). Unused, they were 4–6 MB per function of code package. For readable
 * stack traces locally, build with --no-minify.
 */
import { build, type Metafile } from 'esbuild';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The bundles, where each goes (`<outdir>/<dir>/<file>`, default `<name>/index.js`) and
 * what must never end up in it.
 */
export const FUNCTIONS: Record<string, { entry: string; dir?: string; file?: string; forbidden: string[] }> = {
  uploader: { entry: 'functions/uploader/index.ts', forbidden: [] as string[] },
  // The callback never uploads: ali-oss in its bundle would only slow its cold start.
  callback: { entry: 'functions/callback/index.ts', forbidden: ['node_modules/ali-oss/'] },
  // Signs PostObject policies with ali-oss and reads records; never uploads.
  ticket: { entry: 'functions/ticket/index.ts', forbidden: [] as string[] },
  // The same callback as an HTTP server for FC's custom runtime (s.yaml runs it with
  // instanceConcurrency > 1), beside index.js in the callback's code folder.
  'callback-server': { entry: 'functions/callback/server.ts', dir: 'callback', file: 'server.js', forbidden: ['node_modules/ali-oss/'] },
};

export interface BuiltBundle {
  name: string;
  file: string;
  bytes: number;
  /** Every source file in the bundle (esbuild's metafile inputs, relative to the repository). */
  inputs: string[];
}

/**
 * Bundles every function; throws when a bundle contains a forbidden module. `sourceMaps`
 * writes `index.js.map` beside each bundle (off by default, see above; the cold-start
 * benchmark uses it to measure what loading them costs).
 */
export async function buildFunctions(options: { outdir?: string; minify?: boolean; sourceMaps?: boolean } = {}): Promise<BuiltBundle[]> {
  const outdir = path.resolve(root, options.outdir ?? 'dist');
  const built: BuiltBundle[] = [];
  for (const [name, fn] of Object.entries(FUNCTIONS)) {
    const outfile = path.join(outdir, fn.dir ?? name, fn.file ?? 'index.js');
    const result = await build({
      absWorkingDir: root,
      entryPoints: [fn.entry],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: options.minify ?? true,
      sourcemap: options.sourceMaps ?? false,
      metafile: true,
      logLevel: 'warning',
      legalComments: 'linked',
      // urllib (under ali-oss) has an optional require('proxy-agent') inside a try; it is
      // not installed and never needed in FC, so it stays an unresolved require.
      external: ['proxy-agent'],
      // tsconfig's strict mode would put "use strict" at the top of the bundle, which then
      // covers the tablestore SDK too, and its PlainBuffer builder assigns an undeclared
      // loop variable (\`for (key in …)\` in plian_buffer_builder.js): a ReferenceError in
      // strict mode. The SDK only works as the sloppy-mode CommonJS it was written as.
      tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
    });
    const inputs = Object.keys((result.metafile as Metafile).inputs);
    for (const forbidden of fn.forbidden) {
      const hit = inputs.find((input) => input.includes(forbidden));
      if (hit) throw new Error(`${name} bundle must not contain ${forbidden} (pulled in via ${hit})`);
    }
    // A map left by an earlier build would be deployed with code it does not describe.
    if (!(options.sourceMaps ?? false)) rmSync(`${outfile}.map`, { force: true });
    // The repository is "type": "module"; this marks the bundle as CommonJS wherever it is loaded.
    writeFileSync(path.join(outdir, fn.dir ?? name, 'package.json'), '{ "type": "commonjs" }\n');
    built.push({ name, file: path.relative(root, outfile), bytes: statSync(outfile).size, inputs });
  }
  return built;
}
