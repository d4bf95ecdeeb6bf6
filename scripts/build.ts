/**
 * `npm run build [-- --outdir <dir>] [--no-minify]`: bundles each function into
 * <dir>/<fn>/index.js (default dist/) and prints the sizes. How and why: tools/bundle.ts.
 */
import { buildFunctions } from '../tools/bundle';
import { parseCommandLine, readCommandLine } from '../tools/cli';

const USAGE = 'usage: npm run build [-- --outdir <dir>] [--no-minify]\nBundles functions/* into <dir>/<fn>/index.js (default dist/).';

const { values } = readCommandLine({
  name: 'build',
  usage: USAGE,
  parse: (argv) => parseCommandLine(argv, { outdir: { type: 'string', needs: 'a directory' }, 'no-minify': { type: 'boolean' } }, (line) => line),
});
try {
  const bundles = await buildFunctions({ outdir: values.outdir, minify: values['no-minify'] !== true });
  for (const b of bundles) console.log(`${b.file}  ${(b.bytes / 1024).toFixed(1)} KiB`);
} catch (error) {
  console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
