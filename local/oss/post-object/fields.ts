/**
 * Looking up form fields the way OSS matches them: by name, ignoring letter case (the
 * ali-oss README sends a `Content-Type` field that a policy names `$content-type`); the
 * first field of a name wins.
 */

/** The fields of a PostObject form, by lower-case name. */
export class FormFields {
  private readonly byName = new Map<string, string>();

  constructor(fields: readonly { name: string; value: string }[]) {
    for (const { name, value } of fields) {
      const lower = name.toLowerCase();
      if (!this.byName.has(lower)) this.byName.set(lower, value);
    }
  }

  /** The value of a field, or undefined. */
  get(name: string): string | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** Every field whose name starts with `prefix` (lower case), with its lower-case name. */
  withPrefix(prefix: string): [string, string][] {
    return [...this.byName].filter(([name]) => name.startsWith(prefix));
  }
}
