import { z } from 'zod';
import { formatPath, parseWith } from '../../common/validation';
import { daysEnding } from '../../insights/insights-report';

/** The longest period the page shows, whatever the retention. */
export const MAX_PERIOD_DAYS = 400;

/** The periods offered by name: how many days each lasts, ending today. */
export const PERIODS = { today: 1, '7d': 7, '30d': 30 } as const;
export type PeriodName = keyof typeof PERIODS;

const DAY_MS = 86_400_000;
const noon = (day: string) => Date.parse(`${day}T12:00:00Z`);
/** Days from `a` to `b` (b - a), both "YYYY-MM-DD". */
const between = (a: string, b: string) => Math.round((noon(b) - noon(a)) / DAY_MS);
const shift = (day: string, by: number) => new Date(noon(day) + by * DAY_MS).toISOString().slice(0, 10);

/** A field left empty in the form (a date not filled in) is as if it was not given. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const day = z
  .string({ error: 'must be a day as YYYY-MM-DD, once' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a day as YYYY-MM-DD', abort: true })
  .refine((d) => !Number.isNaN(noon(d)) && new Date(noon(d)).toISOString().slice(0, 10) === d, 'is not a day of the calendar');

/** The page's query as the browser sends it: a period by name, or days, and what to compare it with. */
const insightsQuery = z
  .strictObject(
    {
      period: optional(z.enum(['today', '7d', '30d'], { error: 'must be today, 7d or 30d' })),
      compare: optional(z.enum(['previous'], { error: 'must be previous (the period of the same length just before)' })),
      from: optional(day),
      to: optional(day),
      vsFrom: optional(day),
      vsTo: optional(day),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `not a field of this page: ${issue.keys.join(', ')}` : undefined) },
  )
  .superRefine((q, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if ((q.from === undefined) !== (q.to === undefined)) problem(q.from === undefined ? 'from' : 'to', 'from and to go together');
    if (q.period !== undefined && q.from !== undefined) problem('period', 'give a period or from and to, not both');
    if ((q.vsFrom === undefined) !== (q.vsTo === undefined))
      problem(q.vsFrom === undefined ? 'vsFrom' : 'vsTo', 'vsFrom and vsTo go together');
    if (q.compare !== undefined && q.vsFrom !== undefined) problem('compare', 'give compare or vsFrom and vsTo, not both');
  });

export type InsightsQuery = z.infer<typeof insightsQuery>;

/** A period the page shows: its first and last day, and every day of it, oldest first. */
export interface Period {
  from: string;
  to: string;
  days: string[];
  /** "Today", "Last 7 days", "The 7 days before", "2026-11-01 to 2026-11-30". */
  name: string;
}

/** What the page shows: the period, the one it is compared with, and the query as asked (for the form). */
export interface InsightsAsk {
  period: Period;
  compared?: Period;
  /** The period by name, when it was asked by name (the default 7d when nothing was asked). */
  named?: PeriodName;
  query: InsightsQuery;
}

export type Asked = { ok: true; ask: InsightsAsk } | { ok: false; reason: string };

const rangeName = (from: string, to: string) => (from === to ? from : `${from} to ${to}`);

/**
 * The page's query, checked: periods that end no later than `today`, last at most the retention and 400 days, and
 * begin no earlier than the oldest day kept. Anything else is a reason for a 400, never an exception.
 */
export function askOf(raw: unknown, today: string, retentionDays: number): Asked {
  const parsed = parseWith(insightsQuery, raw);
  if (!parsed.ok)
    return {
      ok: false,
      reason: parsed.issues.map((i) => (i.path.length === 0 ? i.message : `${formatPath(i.path)}: ${i.message}`)).join('; '),
    };
  const query = parsed.value;
  const longest = Math.min(retentionDays, MAX_PERIOD_DAYS);
  const oldest = shift(today, -(retentionDays - 1));
  const check = (field: string, from: string, to: string): string | undefined => {
    if (between(from, to) < 0) return `${field}: ${from} is after ${to}`;
    if (between(today, to) > 0) return `${field}: ${to} is after today (${today})`;
    if (between(from, to) + 1 > longest)
      return `${field}: ${between(from, to) + 1} days is longer than the ${longest} days the counts are kept for (INSIGHTS_RETENTION_DAYS)`;
    if (between(oldest, from) < 0) return `${field}: ${from} is older than the counts kept (the oldest day kept is ${oldest})`;
    return undefined;
  };
  const periodOf = (from: string, to: string, name: string): Period => ({
    from,
    to,
    name,
    days: daysEnding(to, between(from, to) + 1),
  });

  let period: Period;
  let named: PeriodName | undefined;
  if (query.from !== undefined && query.to !== undefined) {
    const problem = check('from', query.from, query.to);
    if (problem !== undefined) return { ok: false, reason: problem };
    period = periodOf(query.from, query.to, rangeName(query.from, query.to));
  } else {
    named = query.period ?? '7d';
    const length = PERIODS[named];
    const from = shift(today, -(length - 1));
    const problem = check('period', from, today);
    if (problem !== undefined) return { ok: false, reason: problem };
    period = periodOf(from, today, named === 'today' ? 'Today' : `Last ${length} days`);
  }

  let compared: Period | undefined;
  if (query.vsFrom !== undefined && query.vsTo !== undefined) {
    const problem = check('vsFrom', query.vsFrom, query.vsTo);
    if (problem !== undefined) return { ok: false, reason: problem };
    compared = periodOf(query.vsFrom, query.vsTo, rangeName(query.vsFrom, query.vsTo));
  } else if (query.compare === 'previous') {
    const length = period.days.length;
    const to = shift(period.from, -1);
    const from = shift(to, -(length - 1));
    const problem = check('compare', from, to);
    if (problem !== undefined) return { ok: false, reason: problem };
    compared = periodOf(from, to, length === 1 ? `The day before (${to})` : `The ${length} days before`);
  }
  return { ok: true, ask: { period, ...(compared && { compared }), ...(named && { named }), query } };
}
