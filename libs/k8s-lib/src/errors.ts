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

  static fromZod(file: string, error: z.ZodError, prefix: readonly PropertyKey[] = []): ConfigError {
    const issues: ConfigIssue[] = [];
    for (const issue of error.issues) {
      if (issue.code === 'unrecognized_keys') {
        // One line per misspelled key, with the key in the path, so the reader finds it at once.
        for (const key of issue.keys) {
          issues.push({ path: dotPath([...prefix, ...issue.path, key]), message: 'unknown field' });
        }
      } else {
        issues.push({ path: dotPath([...prefix, ...issue.path]), message: issue.message });
      }
    }
    return new ConfigError(file, issues);
  }
}

/** Several ConfigErrors from one run, reported together. */
export class ConfigErrors extends Error {
  public readonly errors: readonly ConfigError[];
  constructor(errors: readonly ConfigError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'ConfigErrors';
    this.errors = errors;
  }
}

export function formatIssue(file: string, issue: ConfigIssue): string {
  return issue.path ? `${file}: ${issue.path}: ${issue.message}` : `${file}: ${issue.message}`;
}

export function dotPath(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}
