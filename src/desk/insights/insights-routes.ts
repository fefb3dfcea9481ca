import type express from 'express';
import type { Request, RequestHandler } from 'express';
import type { FlowFile } from '../../flows/schema';
import type { InsightsRecorder } from '../../insights/insights-recorder';
import { insightsReport } from '../../insights/insights-report';
import type { SignedIn } from '../sign-in/sign-in';
import type { PageContext } from '../views/pages';
import { askOf } from './insights-query';
import { insightsOffPage, insightsPage, insightsProblemPage } from './insights-view';

export interface InsightsRoutesDeps {
  /** The flow's counts as this instance reads them; undefined when the line counts none (INSIGHTS_RETENTION_DAYS=0). */
  insights?: Pick<InsightsRecorder, 'read'>;
  /** The entry flow, whose insights the page shows. */
  flow: () => FlowFile;
  /** INSIGHTS_RETENTION_DAYS: the longest period, and the oldest day that can be asked for. */
  retentionDays: number;
  /** The desk's day now ("2026-12-06", in DESK_TIME_ZONE). */
  today: () => string;
  ctx: PageContext;
  /** The desk's own check of a signed-in page: a redirect to the sign-in form without one. */
  signedIn: RequestHandler;
}

type SignedInRequest = Request & { signedIn: SignedIn };

/**
 * The flow insights page, GET /insights: read-only, for a signed-in agent. Its query is checked at the boundary; one
 * that cannot be shown (a bad day, a period longer than the counts are kept) is a 400 page that says why.
 */
export function insightsRoutes(app: express.Express, deps: InsightsRoutesDeps): void {
  const { ctx } = deps;
  app.get('/insights', deps.signedIn, async (req, res) => {
    const { session } = (req as SignedInRequest).signedIn;
    const viewer = { user: session.user, csrf: session.csrf };
    if (deps.insights === undefined || deps.retentionDays === 0) {
      res.type('html').send(insightsOffPage(ctx, viewer));
      return;
    }
    const today = deps.today();
    const asked = askOf(req.query, today, deps.retentionDays);
    if (!asked.ok) {
      res
        .status(400)
        .type('html')
        .send(insightsProblemPage(ctx, viewer, asked.reason, today, deps.retentionDays));
      return;
    }
    const { ask } = asked;
    const flow = deps.flow();
    const insights = deps.insights;
    const [counts, vsCounts] = await Promise.all([
      insights.read(flow.id, ask.period.days),
      ask.compared === undefined ? Promise.resolve(undefined) : insights.read(flow.id, ask.compared.days),
    ]);
    const report = insightsReport(flow, ask.period.days, counts);
    const compared = ask.compared === undefined || vsCounts === undefined ? undefined : insightsReport(flow, ask.compared.days, vsCounts);
    res.type('html').send(
      insightsPage(ctx, {
        ...viewer,
        flow,
        ask,
        report,
        ...(compared && { compared }),
        today,
        retentionDays: deps.retentionDays,
      }),
    );
  });
}
