/**
 * The error every command-line tool reports missing or malformed settings with: all of
 * them at once, by variable name, never a value (exit 2, nothing sent or contacted).
 */
import { ReasonedError } from '../lib/errors';

/** One or more settings are missing or malformed (exit 2). */
export class SettingsError extends ReasonedError<'missing_settings' | 'invalid_setting'> {
  readonly problems: string[];

  constructor(reason: 'missing_settings' | 'invalid_setting', problems: string[]) {
    super(reason, problems.join('\n'));
    this.problems = problems;
  }
}
