import { z } from 'zod';

/** The call-flow file format. See the header of call-flows/portal-login.yaml for what each kind does. */

/** Spoken text: white space folded once here (YAML blocks leave line breaks), so no turn has to. */
const text = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .transform((s) => s.replace(/\s+/g, ' '));
// At most 64 characters: a node's id names its counts in the flow's insights (src/insights/insight-fields.ts).
const NODE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const NODE_ID_RULE = 'must be lower-case letters, digits and dashes, at most 64, such as "mfa-reset"';
const nodeId = z.string().regex(NODE_ID, NODE_ID_RULE);
/** A branch a key leads to; a missing one is named by its key, which is what the person editing needs to know. */
const branch = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `missing: ${what} needs a node to go to` : 'must be a node id') })
    .regex(NODE_ID, NODE_ID_RULE);
const menuKey = z.enum(['1', '2', '3', '4', '5', '6', '7', '8', '0', '*', '9'], {
  error: 'must be one phone key, 1 to 8 (0, * and 9 work at every question)',
});

/** A word or a few a caller may say for a choice, such as "password" or "black screen". */
const word = text.pipe(z.string().max(100, "must be at most 100 characters (Twilio's limit for a hint)"));
/** The words for one choice: a few synonyms. */
const words = z.array(word).min(1, 'needs at least one word');
/**
 * Answers as callers say them ("I have no idea", "she's on vacation"): what the line learns a choice's meaning from,
 * beside its words, and hints to the recogniser.
 */
const examples = z.array(word).min(1, 'needs at least one example, or leave it out');

export const menuOption = z.strictObject({
  key: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), menuKey),
  label: text,
  note: text,
  /** What a caller may say for this option, when the flow listens for speech; the first is the one a confirmation names. */
  words: words.optional(),
  /** Answers as callers say them for this option ("I never got the code"). */
  examples: examples.optional(),
  goto: branch('the option'),
});

const menuNode = z.strictObject({
  type: z.literal('menu'),
  say: text,
  note: text,
  options: z.array(menuOption).min(1, 'a menu needs at least one option'),
});

const questionNode = z.strictObject({
  type: z.literal('question'),
  say: text,
  note: text,
  /** Said after the caller answers, whatever the answer, before what comes next. */
  afterAnswer: text.optional(),
  yes: branch('key 1 (yes)'),
  no: branch('key 2 (no)'),
  unsure: branch('key 3 (unsure)').optional(),
  /** What the answers mean at this question, as callers say them ("same phone" is no to "changed your device?"). */
  examples: z.strictObject({ yes: examples.optional(), no: examples.optional(), unsure: examples.optional() }).optional(),
});

/**
 * How long the line waits in silence while the caller does a step before it checks in, and how many such waits
 * before it transfers the caller as gone quiet. "Wait a few minutes, then refresh" needs minutes, not seconds.
 */
const wait = z.strictObject({
  seconds: z.number().int().min(5, 'must be 5 seconds or more').max(600, 'must be 600 seconds (10 minutes) or less'),
  times: z.number().int().min(1, 'must be 1 or more').max(10, 'must be 10 or fewer'),
});

const instructionsNode = z.strictObject({
  type: z.literal('instructions'),
  say: text,
  /** The steps as a text message writes them, where that differs from how they are said ("IT", not "I T"). */
  text: text.optional(),
  note: text.optional(),
  wait: wait.optional(),
  solved: branch('key 1 (solved)'),
  more: z.strictObject({ label: text, goto: branch('key 3') }).optional(),
  /** What the answers mean at this step, as callers say them ("still black" is the next step after a restart). */
  examples: z
    .strictObject({
      solved: examples.optional(),
      repeatSteps: examples.optional(),
      more: examples.optional(),
      text: examples.optional(),
    })
    .optional(),
});

const transferNode = z.strictObject({
  type: z.literal('transfer'),
  say: text,
  reason: text,
});

const endNode = z.strictObject({
  type: z.literal('end'),
  say: text,
});

export const flowNode = z.discriminatedUnion('type', [menuNode, questionNode, instructionsNode, transferNode, endNode], {
  error: (issue) => (issue.code === 'invalid_union' ? 'type must be one of menu, question, instructions, transfer, end' : undefined),
});

const systemTransfer = z.strictObject({ say: text, reason: text });

/** A number of seconds a path, a prompt or a whisper may take to say; see `npm run flows:timing`. */
const seconds = z
  .number({ error: 'must be a number of seconds, such as 20' })
  .positive({ error: 'must be a number of seconds greater than 0' })
  .max(3600, { error: 'must be at most 3600 seconds' });

/**
 * How long a new caller listens, estimated at `wordsPerMinute`. `npm run flows:check` fails a flow that breaks
 * one; a budget left out is not checked.
 */
export const budgets = z.strictObject({
  wordsPerMinute: z
    .number({ error: 'must be a number of words a minute, such as 175' })
    .min(60, { error: 'must be at least 60 words a minute' })
    .max(400, { error: 'must be at most 400 words a minute' })
    .default(175),
  /** Listening from the start of the call to each outcome, on the paths where each prompt is heard once. */
  outcomeSeconds: seconds.optional(),
  /** The median of those. */
  medianOutcomeSeconds: seconds.optional(),
  /** Any one prompt (one answer of the line), anywhere. */
  promptSeconds: seconds.optional(),
  /** What the agent hears before the caller is connected. */
  whisperSeconds: seconds.optional(),
});

/**
 * Answering by voice: the words every question shares, and the few texts only a caller who may speak hears. A flow
 * without this block, or with `enabled: false`, listens for keys only, exactly as before speech existed.
 */
export const speech = z.strictObject({
  enabled: z.boolean().default(true),
  /** Said instead of `greeting`: where the caller learns, once a call, that saying an answer works too. */
  greeting: text,
  /** A low-confidence or ambiguous answer: "Did you say {word}? Say yes, or press 1." */
  confirm: text,
  /** A reprompt after speech that matched no choice. */
  notUnderstood: text,
  /** Said instead of `system.callback.keyIn` where the caller may also say the number: "Key in or say …". */
  callbackKeyIn: text.optional(),
  words: z.strictObject({
    yes: words,
    no: words,
    unsure: words,
    solved: words,
    repeatSteps: words,
    more: words,
    desk: words,
    repeat: words,
    mainMenu: words,
    tryAgain: words,
    endCall: words,
    /** A callback (3) and the details by text message (8), beside "try again", when the desk is closed, at steps. */
    callback: words.optional(),
    text: words.optional(),
    /** Where the desk calls back: this phone (1) or another number (2), keyed in. */
    thisPhone: words.optional(),
    anotherNumber: words.optional(),
  }),
  /**
   * Answers as callers say them, per choice of `words`, wherever the choice is offered; `none` are answers that
   * choose nothing, which are asked again.
   */
  examples: z
    .strictObject({
      yes: examples.optional(),
      no: examples.optional(),
      unsure: examples.optional(),
      solved: examples.optional(),
      repeatSteps: examples.optional(),
      more: examples.optional(),
      desk: examples.optional(),
      repeat: examples.optional(),
      mainMenu: examples.optional(),
      tryAgain: examples.optional(),
      endCall: examples.optional(),
      callback: examples.optional(),
      text: examples.optional(),
      thisPhone: examples.optional(),
      anotherNumber: examples.optional(),
      none: examples.optional(),
    })
    .default({}),
});

/**
 * The announcement the desk turns on when the portal itself is down (docs/desk.md): said right after the greeting,
 * once, while it is on. The desk picks one of `wordings` or writes its own; in a wording, {since} is when the problem
 * began ("9 a.m.") and {until} is `until` with its {time} ("by 11:30 a.m."), or `noEnd` when no end is given.
 * `npm run flows:check` holds every wording to plain words said within `maxSeconds`.
 */
export const announcements = z.strictObject({
  maxSeconds: seconds.max(30, { error: 'must be at most 30 seconds: the caller waits for the menu' }).default(15),
  until: text,
  noEnd: text,
  wordings: z
    .record(nodeId, z.strictObject({ label: text, say: text }))
    .refine((w) => Object.keys(w).length > 0, 'needs at least one wording'),
});

export const flowFile = z.strictObject({
  id: nodeId,
  title: text,
  language: z.string().regex(/^[a-z]{2}-[A-Z]{2}$/, 'must be a language tag such as en-US'),
  voice: text.optional(),
  start: nodeId,
  greeting: text,
  phrases: z.strictObject({
    option: text,
    yes: text,
    no: text,
    unsure: text,
    solved: text,
    repeatSteps: text,
    more: text,
    globals: text,
    willWait: text,
    patience: text,
    noInput: text,
    invalidKey: text,
    reference: text,
    whisper: text,
    callback: text,
    textDetails: text,
    textSteps: text,
    endCall: text,
  }),
  system: z.strictObject({
    bsdRequest: systemTransfer,
    keypadTrouble: systemTransfer,
    quiet: systemTransfer,
    stateLost: systemTransfer,
    technicalProblem: systemTransfer,
    holdOn: text,
    dialFailed: z.strictObject({ busy: text, noAnswer: text, failed: text, choices: text }),
    deskUnavailable: text,
    deskClosed: text,
    callback: z.strictObject({
      number: text,
      keyIn: text,
      confirm: text,
      booked: text,
      failed: text,
      /** An earlier call's callback to the same number is open: nothing new is booked. */
      open: text,
      /** The number called from is not one the desk calls back (before "key in"). */
      callerUnfit: text,
      /** The number keyed is not one the desk calls back (before "key in" again). */
      keyedUnfit: text,
    }),
    text: z.strictObject({ stepsQueued: text, already: text, refused: text, failed: text, deskQueued: text }),
    flowChanged: text,
    afterDesk: text,
    goodbye: text,
  }),
  /** Text messages: the steps of a self-service node, and the reference with the desk's number and hours. */
  messages: z.strictObject({ steps: text, desk: text }),
  budgets: budgets.optional(),
  speech: speech.optional(),
  announcements: announcements.optional(),
  nodes: z.record(nodeId, flowNode).refine((nodes) => Object.keys(nodes).length > 0, 'a flow needs at least one node'),
});

export type FlowFile = z.infer<typeof flowFile>;
export type FlowNode = z.infer<typeof flowNode>;
export type Budgets = z.infer<typeof budgets>;
export type Speech = z.infer<typeof speech>;
export type Announcements = z.infer<typeof announcements>;
export type SpeechWords = Speech['words'];
export type SpeechExamples = Speech['examples'];
/** The name of a choice shared by every question that offers it: yes, no, desk… */
export type SharedChoice = keyof SpeechWords;

/** The keys that work at every question, whatever the flow says. */
export const GLOBAL_KEYS = { bsd: '0', repeat: '*', mainMenu: '9' } as const;
