import type express from 'express';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../common/log';
import { describeIssues, parseWith } from '../../common/validation';
import type { SignedIn } from '../sign-in/sign-in';
import { html } from '../views/html';
import { layout, type PageContext } from '../views/pages';
import type { AnnouncementDesk } from './announcement-desk';
import { announcementForm, draftOf, type AnnouncementForm, type DraftContext } from './announcement-form';
import { announcementFormHtml, previewHtml } from './announcement-view';
import { z } from 'zod';

/** The turn-off button's form: which announcement the agent saw on. */
const offForm = z.object({ id: z.string().min(1).max(64) });

export interface AnnouncementRoutesDeps {
  announcements: AnnouncementDesk;
  /** The flow's wordings and pace, the desk's zone, the longest an announcement lasts, and now. */
  draftContext: () => DraftContext;
  ctx: PageContext;
  logger: Logger;
  /** The desk's own guards: same-site forms, a signed-in page, the form body, its CSRF token. */
  guards: { sameSite: RequestHandler; signedIn: RequestHandler; form: RequestHandler; withToken: RequestHandler };
}

type SignedInRequest = Request & { signedIn: SignedIn };

/**
 * The announcement's forms on the desk page: a preview (the words and their listening time, or why they cannot be
 * said), its confirmation that turns it on, and the button that turns it off. Each needs a signed-in agent and the
 * sign-in's CSRF token; a form that is wrong gets a 400 page that says why, with the form filled in again.
 */
export function announcementRoutes(app: express.Express, deps: AnnouncementRoutesDeps): void {
  const { ctx, guards } = deps;
  const chain = [guards.sameSite, guards.signedIn, guards.form, guards.withToken];

  const page = (res: Response, status: number, csrf: string, user: string, body: ReturnType<typeof html>) => {
    res
      .status(status)
      .type('html')
      .send(
        layout(
          ctx,
          'Announcement · Business Support Desk',
          html`<header class="top">
              <h1>Business Support Desk <span class="sub">Announcement to callers</span></h1>
              <form class="sign-out" method="post" action="${ctx.base}/sign-out">
                <input type="hidden" name="csrf" value="${csrf}" />
                <span>Signed in as <strong>${user}</strong></span>
                <button type="submit">Sign out</button>
              </form>
            </header>
            <main class="announcement-page">${body}</main>`,
        ),
      );
  };

  /** The form as posted, checked; or the page that says what is wrong with it. */
  const formOf = (req: Request, res: Response): AnnouncementForm | null => {
    const { session } = (req as SignedInRequest).signedIn;
    const parsed = parseWith(announcementForm, req.body ?? {});
    if (parsed.ok) return parsed.value;
    const why = describeIssues(parsed.issues);
    page(res, 400, session.csrf, session.user, html`<p class="problem" role="alert">This form is not right: ${why}.</p>`);
    return null;
  };

  /** The draft a form stands for, or the form again with why it cannot be turned on. */
  const draftFor = (req: Request, res: Response, form: AnnouncementForm) => {
    const { session } = (req as SignedInRequest).signedIn;
    const context = deps.draftContext();
    const drafted = draftOf(form, context);
    if (drafted.ok) return drafted.draft;
    page(
      res,
      400,
      session.csrf,
      session.user,
      html`<p class="problem" role="alert" id="announcement-problem">${drafted.problem}</p>
        ${announcementFormHtml(ctx.base, session.csrf, context.flow, context.maxHours, form)}
        <p><a href="${ctx.base}#announcement">Back to the desk</a></p>`,
    );
    return null;
  };

  app.post('/announcement', ...chain, (req, res) => {
    const { session } = (req as SignedInRequest).signedIn;
    const form = formOf(req, res);
    if (form === null) return;
    const draft = draftFor(req, res, form);
    if (draft === null) return;
    const context = deps.draftContext();
    page(
      res,
      200,
      session.csrf,
      session.user,
      html`${previewHtml(ctx.base, session.csrf, form, draft, ctx.timeZone, context.flow.maxSeconds)}
        <section class="preview-edit" aria-labelledby="edit-heading">
          <h2 id="edit-heading">Change it</h2>
          ${announcementFormHtml(ctx.base, session.csrf, context.flow, context.maxHours, form)}
        </section>`,
    );
  });

  app.post('/announcement/on', ...chain, async (req, res) => {
    const { session } = (req as SignedInRequest).signedIn;
    const form = formOf(req, res);
    if (form === null) return;
    const draft = draftFor(req, res, form);
    if (draft === null) return;
    await deps.announcements.turnOn(draft, session.user);
    res.redirect(303, `${ctx.base}#announcement`);
  });

  app.post('/announcement/off', ...chain, async (req, res) => {
    const { session } = (req as SignedInRequest).signedIn;
    const parsed = parseWith(offForm, req.body ?? {});
    if (!parsed.ok) {
      page(
        res,
        400,
        session.csrf,
        session.user,
        html`<p class="problem" role="alert">This form is not right: ${describeIssues(parsed.issues)}.</p>`,
      );
      return;
    }
    // Only the announcement the agent saw: one another agent has put on since is not taken off unseen.
    if ((await deps.announcements.turnOff(session.user, parsed.value.id)) === 'changed') {
      page(
        res,
        409,
        session.csrf,
        session.user,
        html`<p class="problem" role="alert">
            The announcement was changed since your page was loaded, and is still on. Look at the one on now before you turn it off.
          </p>
          <p><a href="${ctx.base}#announcement">Back to the desk</a></p>`,
      );
      return;
    }
    res.redirect(303, `${ctx.base}#announcement`);
  });
}
