import type { z } from 'zod';

/** One problem found in an input file: where it is and what is wrong. */
export interface ConfigIssue {
  /** Dot path of the offending field, empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

/**
 * Error for bad input data (environment files, package definitions, bundles).
 * Reported as `file: dot.path: message`, one line per problem, all at once.
 */
export class ConfigError extends Error {
  public readonly file: string;
  public readonly issues: readonly ConfigIssue[];

  constructor(file: string, issues: readonly ConfigIssue[]) {
    super(issues.map((i) => formatIssue(file, i)).join('\n'));
    this.name = 'ConfigError';
    this.file = file;
    this.issues = issues;
  }

  /**
   * One issue per zod issue, in the error style. `input` is the data that was parsed: with it, a field
   * that is absent is reported as missing, whatever its type (zod says "Invalid option" for an enum).
   */
  static fromZod(file: string, error: z.ZodError, prefix: readonly PropertyKey[] = [], input?: unknown): ConfigError {
    const issues: ConfigIssue[] = [];
    for (const issue of error.issues) {
      if (issue.code === 'unrecognized_keys') {
        // One line per misspelled key, with the key in the path, so the reader finds it at once.
        for (const key of issue.keys) {
          issues.push({ path: dotPath([...prefix, ...issue.path, key]), message: 'unknown field' });
        }
      } else {
        const missing = isMissing(issue, input);
        issues.push({ path: dotPath([...prefix, ...issue.path]), message: missing ? missingMessage(issue) : issue.message });
      }
    }
    return new ConfigError(file, issues);
  }
}

/** Whether a zod issue is about a field that is absent (rather than present with a wrong value). */
function isMissing(issue: z.core.$ZodIssue, input: unknown): boolean {
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) return true;
  if (input === undefined || issue.path.length === 0) return false;
  let parent: unknown = input;
  for (const key of issue.path.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null) return false;
    parent = (parent as Record<PropertyKey, unknown>)[key];
  }
  return typeof parent === 'object' && parent !== null && (parent as Record<PropertyKey, unknown>)[issue.path.at(-1)!] === undefined;
}

function missingMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') return `required field is missing (one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')})`;
  if (issue.code === 'invalid_type') return `required field is missing (a${/^[aeio]/.test(issue.expected) ? 'n' : ''} ${issue.expected})`;
  const options = (issue as { options?: unknown[] }).options;
  if (issue.code === 'invalid_union' && options)
    return `required field is missing (one of ${options.map((v) => JSON.stringify(v)).join(', ')})`;
  return 'required field is missing';
}

/**
 * Several ConfigErrors from one run, reported together: one per file, in the order the files first
 * appear (the problems of one file in several environments are one entry), each problem once (one
 * found by two stages, or the same in every environment, is reported once).
 */
export class ConfigErrors extends Error {
  public readonly errors: readonly ConfigError[];
  constructor(errors: readonly ConfigError[]) {
    const byFile = new Map<string, ConfigError[]>();
    for (const e of errors) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
    const merged = [...byFile].map(([file, same]) => {
      const issues = same.flatMap((e) => e.issues);
      const unique = issues.filter((issue, i) => issues.findIndex((o) => o.path === issue.path && o.message === issue.message) === i);
      return same.length === 1 && unique.length === issues.length ? same[0]! : new ConfigError(file, unique);
    });
    super(merged.map((e) => e.message).join('\n'));
    this.name = 'ConfigErrors';
    this.errors = merged;
  }
}

export function formatIssue(file: string, issue: ConfigIssue): string {
  return issue.path ? `${file}: ${issue.path}: ${issue.message}` : `${file}: ${issue.message}`;
}

export function dotPath(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}
