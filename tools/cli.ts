/**
 * What every command line of the project shares (npm start, submit, results, smoke,
 * build, ensure-table and the emulators): node:util's parseArgs read with one set of
 * rules and messages, one UsageError, and one way to answer --help and a bad command line.
 */
import { parseArgs } from 'node:util';
import { ReasonedError } from '../lib/errors';

/** A command line that cannot be run (exit 2, with the usage). */
export class UsageError extends ReasonedError<'usage'> {
  constructor(message: string) {
    super('usage', message);
  }
}

/** One option of a command line. `--help` and `-h` are always there. */
export interface CliOption {
  type: 'string' | 'boolean';
  short?: string;
  /** A string option that may be given more than once: its values in order. */
  multiple?: boolean;
  /** What the value is, for the message `--jobs needs a file` (default `a value`). */
  needs?: string;
}

export type CliOptions = Record<string, CliOption>;

type ValueOf<O extends CliOption> = O['type'] extends 'boolean' ? boolean : O['multiple'] extends true ? string[] : string;

/** The options given, by name; an option not given is absent. */
export type CliValues<O extends CliOptions> = { [K in keyof O]?: ValueOf<O[K]> };

export interface CommandLine<O extends CliOptions> {
  values: CliValues<O>;
  positionals: string[];
}

/**
 * Parses `argv` (`--name value`, `--name=value`, `-h`) with node:util's parseArgs and
 * these rules: an unknown option, a string option without a value (or whose next
 * argument is another `--option`, or empty), a value given to a boolean option, and
 * (unless `positionals`) any argument that is not an option are UsageErrors naming the
 * option. Answers 'help' when `--help` or `-h` comes before any mistake. A later value
 * of an option replaces an earlier one, unless it is `multiple`. Otherwise answers what
 * `read` makes of the options and arguments (it may throw UsageError too).
 *
 * @example
 * parseCommandLine(['--port', '9000', '--allow-v1'], { port: { type: 'string' }, 'allow-v1': { type: 'boolean' } }, (line) => line)
 * // => { values: { port: '9000', 'allow-v1': true }, positionals: [] }
 * parseCommandLine(['--prot', '1'], { port: { type: 'string' } }, (line) => line) // throws UsageError: unknown option --prot
 */
export function parseCommandLine<O extends CliOptions, T>(
  argv: readonly string[],
  options: O,
  read: (line: CommandLine<O>) => T,
  config: { positionals?: boolean } = {},
): T | 'help' {
  const known: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, option] of Object.entries(options)) known[name] = { type: option.type, ...(option.short ? { short: option.short } : {}) };
  // Not strict: the tokens are checked below, so that every mistake gets this project's words.
  const { tokens } = parseArgs({ args: [...argv], options: known, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | boolean | string[]> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (!config.positionals) throw new UsageError(`unexpected argument '${token.value}'`);
      positionals.push(token.value);
      continue;
    }
    if (token.name === 'help') return 'help';
    const option = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (option === undefined) throw new UsageError(`unknown option ${token.rawName}`);
    if (option.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
      values[token.name] = true;
      continue;
    }
    const value = token.value;
    if (value === undefined || value === '' || (!token.inlineValue && value.startsWith('--'))) throw new UsageError(`${token.rawName} needs ${option.needs ?? 'a value'}`);
    if (option.multiple) values[token.name] = [...((values[token.name] as string[] | undefined) ?? []), value];
    else values[token.name] = value;
  }
  return read({ values: values as CliValues<O>, positionals });
}

/**
 * The whole number an option gives, from `min` to `max`; a UsageError otherwise.
 *
 * @example wholeNumber('--port', '9000', 0, 65535) // => 9000
 */
export function wholeNumber(option: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`${option} must be a whole number from ${min} to ${max}, not '${text}'`);
  return n;
}

/** A tool's command line: its name in messages, its usage text and its parser. */
export interface Command<T> {
  /** How messages start, e.g. `submit` (`submit: unknown option --x`). */
  name: string;
  usage: string;
  parse(argv: readonly string[]): T | 'help';
}

/**
 * Reads a tool's command line: `--help` prints the usage and exits 0; a UsageError
 * prints `<name>: <message>` and the usage, and exits 2. Other errors are thrown.
 *
 * @example const args = readCommandLine({ name: 'results', usage: USAGE, parse: (argv) => parseResultsArgs(argv, Date.now()) });
 */
export function readCommandLine<T>(command: Command<T>, argv: readonly string[] = process.argv.slice(2)): T {
  let parsed: T | 'help';
  try {
    parsed = command.parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${command.name}: ${error.message}\n\n${command.usage.trimEnd()}\n`);
    process.exit(2);
  }
  if (parsed === 'help') {
    process.stdout.write(`${command.usage.trimEnd()}\n`);
    process.exit(0);
  }
  return parsed;
}
