import { z } from 'zod';

/** One problem found in an input, located by a path of keys. */
export interface Issue {
  path: (string | number)[];
  message: string;
  /** For an object with fields it does not know: their names. */
  unknownKeys?: string[];
}

export function issuesOf(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: issue.message,
    ...(issue.code === 'unrecognized_keys' ? { unknownKeys: issue.keys } : {}),
  }));
}

/** `a.b[2].c`, or `(top level)` for the root. */
export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

/** Parse `input` with `schema`; never throws. */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown): Parsed<T> {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, issues: issuesOf(result.error) };
}

/** "field: message; other: message" — one readable line for an HTTP 400 or a log. */
export function describeIssues(issues: readonly Issue[]): string {
  return issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
}
