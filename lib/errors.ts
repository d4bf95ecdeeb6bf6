/**
 * Base of every error this project throws on purpose. `reason` is a stable,
 * machine-readable code (snake_case) that callers switch on and that handlers put
 * in their JSON refusals; `message` is for humans and never carries secrets.
 *
 * @example
 * class TokenError extends ReasonedError<'token_missing' | 'token_mismatch'> {}
 * throw new TokenError('token_missing', 'the callback carries no x:token variable');
 */
export class ReasonedError<R extends string = string> extends Error {
  readonly reason: R;

  constructor(reason: R, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
    this.name = new.target.name;
  }
}

/** A setting that is absent or unusable; the message names the variable, never a secret value. */
export class ConfigError extends ReasonedError<'missing_setting' | 'bad_setting'> {
  /** The environment variable (or context field) at fault. */
  readonly setting: string;

  constructor(reason: 'missing_setting' | 'bad_setting', setting: string, message: string) {
    super(reason, message);
    this.setting = setting;
  }
}
