import { didYouMean } from '../../common/errors';
import { canFinish, edgesOf, reachable } from '../graph';
import { GLOBAL_KEYS, type FlowFile } from '../schema';
import { placeholdersIn } from '../text';
import { decisionPoints, tidy, type SpokenChoice } from '../words';
import { deskMessage, maxUnits, MAX_SEGMENTS, SAMPLE_VALUES, smsSize, stepsMessage } from '../sms';

/** A text message that would not fit in two SMS segments, with the longest likely reference, number and hours. */
function messageProblems(flow: FlowFile): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const tooLong = (message: string): string | undefined => {
    const size = smsSize(message);
    if (size.segments <= MAX_SEGMENTS) return undefined;
    const unit = size.encoding === 'GSM-7' ? 'characters' : 'UCS-2 code units';
    const why = size.encoding === 'UCS-2' ? ' (a character outside the GSM alphabet, such as a curly quote, makes it UCS-2)' : '';
    return `the text message is ${size.units} ${unit} in ${size.encoding}${why}, over the ${maxUnits(size.encoding)} of ${MAX_SEGMENTS} SMS segments; shorten it`;
  };
  const desk = tooLong(deskMessage(flow, SAMPLE_VALUES));
  if (desk !== undefined) problems.push({ field: 'messages.desk', path: ['messages', 'desk'], message: desk });
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.type !== 'instructions') continue;
    const problem = tooLong(stepsMessage(flow, id, SAMPLE_VALUES)!);
    if (problem !== undefined)
      problems.push(nodeProblem(id, node.text === undefined ? 'say' : 'text', `${problem} (messages.steps with this node's steps)`));
  }
  return problems;
}

/** A problem in a flow, located by node and field (path is the YAML path, for line numbers). */
export interface FlowProblem {
  node?: string;
  field: string;
  path: (string | number)[];
  message: string;
}

const SPOKEN = ['reference', 'bsdNumber'];
const ALLOWED_PLACEHOLDERS: Record<string, string[]> = {
  'phrases.option': ['label', 'key'],
  'phrases.more': ['label'],
  'phrases.whisper': ['reason', ...SPOKEN],
  'speech.confirm': ['word'],
  'system.deskClosed': ['opens', ...SPOKEN],
  'system.callback.confirm': ['number', ...SPOKEN],
  'messages.steps': ['steps', ...SPOKEN],
  'messages.desk': ['hours', ...SPOKEN],
};

function fieldPath(field: string): (string | number)[] {
  return field
    .split(/\.|\[|\]/)
    .filter((p) => p !== '')
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function nodeProblem(node: string, field: string, message: string): FlowProblem {
  return { node, field, path: ['nodes', node, ...fieldPath(field)], message };
}

/** Every text of the flow with where it sits. */
function texts(flow: FlowFile): { node?: string; field: string; value: string }[] {
  const out: { node?: string; field: string; value: string }[] = [{ field: 'greeting', value: flow.greeting }];
  for (const [k, v] of Object.entries(flow.phrases)) out.push({ field: `phrases.${k}`, value: v });
  const walk = (prefix: string, value: unknown): void => {
    if (typeof value === 'string') out.push({ field: prefix, value });
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(`${prefix}.${k}`, v);
  };
  walk('system', flow.system);
  if (flow.speech !== undefined)
    for (const k of ['greeting', 'confirm', 'notUnderstood'] as const) out.push({ field: `speech.${k}`, value: flow.speech[k] });
  walk('messages', flow.messages);
  for (const [id, node] of Object.entries(flow.nodes)) {
    out.push({ node: id, field: 'say', value: node.say });
    if (node.type === 'transfer') out.push({ node: id, field: 'reason', value: node.reason });
    if (node.type === 'question' && node.afterAnswer) out.push({ node: id, field: 'afterAnswer', value: node.afterAnswer });
    if (node.type === 'menu') node.options.forEach((o, i) => out.push({ node: id, field: `options[${i}].label`, value: o.label }));
    if (node.type === 'instructions' && node.more) out.push({ node: id, field: 'more.label', value: node.more.label });
    if (node.type === 'instructions' && node.text) out.push({ node: id, field: 'text', value: node.text });
  }
  return out;
}

/**
 * Characters XML 1.0 does not allow: C0 controls other than tab, line feed and carriage return, U+FFFE, U+FFFF,
 * and halves of a surrogate pair standing alone. One in a text makes the TwiML it is spoken in unreadable, and
 * Twilio then drops the call. A YAML escape (`"\a"`, `"\uFFFE"`) or a pasted control character puts one there.
 */
function firstNotInXml(text: string): number | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    if (c === 0xfffe || c === 0xffff) return i;
    if (c >= 0xdc00 && c <= 0xdfff) return i; // a second half with no first half before it
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1); // NaN past the end
      if (!(next >= 0xdc00 && next <= 0xdfff)) return i;
      i++; // a whole pair: one character outside the Basic Multilingual Plane
    }
  }
  return undefined;
}

/**
 * Every string in a flow file's data (as read, before any checks) holding a character XML does not allow, located
 * by its path. Checked on the data as read, since tidying text would turn some of them into spaces.
 */
export function charactersNotInXml(data: unknown, path: (string | number)[] = []): { path: (string | number)[]; message: string }[] {
  if (typeof data === 'string') {
    const at = firstNotInXml(data);
    if (at === undefined) return [];
    const code = `U+${data.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0')}`;
    return [
      {
        path,
        message: `contains ${code} at character ${at + 1}, a character XML does not allow, so Twilio could not read the text; remove it`,
      },
    ];
  }
  if (Array.isArray(data)) return data.flatMap((v, i) => charactersNotInXml(v, [...path, i]));
  if (data !== null && typeof data === 'object') return Object.entries(data).flatMap(([k, v]) => charactersNotInXml(v, [...path, k]));
  return [];
}

/**
 * Everything a person editing a flow can get wrong once the file has the right shape: targets that do not exist,
 * keys used twice or taken from the global ones, unknown placeholders, unreachable nodes, and nodes from which
 * the caller can never reach the desk or an end through the flow's own choices. Returns every problem found.
 */
export function checkFlow(flow: FlowFile): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const ids = Object.keys(flow.nodes);
  const start = flow.nodes[flow.start];
  if (start === undefined) {
    problems.push({ field: 'start', path: ['start'], message: `unknown node '${flow.start}'${didYouMean(flow.start, ids)}` });
  } else if (start.type === 'transfer' || start.type === 'end') {
    problems.push({
      field: 'start',
      path: ['start'],
      message: `the start node '${flow.start}' must be a menu, question or instructions, not a ${start.type}`,
    });
  }

  let unknownTarget = false;
  for (const [id, node] of Object.entries(flow.nodes)) {
    for (const edge of edgesOf(node)) {
      if (flow.nodes[edge.to] === undefined) {
        unknownTarget = true;
        problems.push(nodeProblem(id, edge.field, `unknown node '${edge.to}'${didYouMean(edge.to, ids)}`));
      } else if (edge.to === id)
        problems.push(nodeProblem(id, edge.field, `goes back to the same node '${id}'; the caller would hear it again without end`));
    }
    if (node.type !== 'menu') continue;
    const seen = new Map<string, number>();
    node.options.forEach((option, i) => {
      const globalName = Object.entries(GLOBAL_KEYS).find(([, k]) => k === option.key)?.[0];
      if (globalName !== undefined) {
        const what = { bsd: 'the Business Support Desk', repeat: 'repeat', mainMenu: 'the main menu' }[globalName];
        problems.push(nodeProblem(id, `options[${i}].key`, `key ${option.key} is kept for ${what} at every question; use one of 1 to 8`));
      }
      const first = seen.get(option.key);
      if (first !== undefined)
        problems.push(nodeProblem(id, `options[${i}].key`, `key ${option.key} is already used by options[${first}]`));
      else seen.set(option.key, i);
    });
  }

  problems.push(...checkWords(flow));

  for (const t of texts(flow)) {
    const allowed = ALLOWED_PLACEHOLDERS[t.field] ?? SPOKEN;
    for (const name of placeholdersIn(t.value)) {
      if (allowed.includes(name)) continue;
      const message = `unknown placeholder {${name}}${didYouMean(name, allowed)} (this text can use ${allowed.map((a) => `{${a}}`).join(', ')})`;
      problems.push(t.node === undefined ? { field: t.field, path: fieldPath(t.field), message } : nodeProblem(t.node, t.field, message));
    }
  }

  problems.push(...messageProblems(flow));

  // One misspelt target cuts off every node behind it: saying so for each would bury the one line that matters.
  // These checks wait until every target names a node.
  if (unknownTarget) return problems;
  if (start !== undefined) {
    const seen = reachable(flow);
    for (const id of ids)
      if (!seen.has(id)) problems.push(nodeProblem(id, 'type', `node '${id}' cannot be reached from the start node '${flow.start}'`));
  }
  const finishing = canFinish(flow);
  for (const id of ids)
    if (!finishing.has(id))
      problems.push(
        nodeProblem(id, 'type', `from node '${id}' no choice ever leads to a transfer or an end; a caller could go round in circles`),
      );
  return problems;
}

/** Where a word is: in a node ("options[1].words[0]") or in the flow's speech block ("speech.words.yes[0]"). */
function wordProblem(node: string | undefined, choice: SpokenChoice, index: number, message: string): FlowProblem {
  const field = `${choice.field}[${index}]`;
  if (node !== undefined && choice.field.startsWith('options')) return nodeProblem(node, field, message);
  return { ...(node === undefined ? {} : { node }), field, path: fieldPath(field), message };
}

/**
 * The words a caller may say, where the flow listens for speech: every menu option needs some, every choice offered
 * needs examples of how callers say it (its own or its shared choice's), and a word may not stand for two choices of
 * one question (compared in lower case, punctuation aside). Whether an example would be taken for another choice is
 * the line's own check (checkExamples in src/engine/understanding/speech.ts), as it needs the trained classifier.
 */
function checkWords(flow: FlowFile): FlowProblem[] {
  const speech = flow.speech;
  if (speech === undefined || !speech.enabled) return [];
  const problems: FlowProblem[] = [];
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.type !== 'menu') continue;
    node.options.forEach((option, i) => {
      if (option.words === undefined)
        problems.push(
          nodeProblem(
            id,
            `options[${i}].words`,
            `option '${option.label}' has no words; the flow listens for speech (speech.enabled), so give it a few, such as words: ["${option.label.toLowerCase()}"]`,
          ),
        );
      else if (option.examples === undefined)
        problems.push(
          nodeProblem(
            id,
            `options[${i}].examples`,
            `option '${option.label}' has no examples; the flow listens for speech, so write a few answers as callers say them, such as examples: ["I have a problem with the ${option.label.toLowerCase()}"]`,
          ),
        );
    });
  }
  const reported = new Set<string>();
  for (const { node, where, choices } of decisionPoints(flow)) {
    for (const choice of choices) {
      if (choice.examples.length > 0 || choice.field.startsWith('options') || reported.has(choice.field)) continue;
      reported.add(choice.field);
      const name = choice.field.replace('speech.words.', '');
      problems.push({
        field: `speech.examples.${name}`,
        path: ['speech', 'examples', name],
        message: `the choice '${name}' (key ${choice.key}) has no examples ${where}; write a few answers as callers say them, in speech.examples.${name} or the node's examples`,
      });
    }
    const owner = new Map<string, SpokenChoice>();
    for (const choice of choices)
      choice.words.forEach((word, i) => {
        const said = tidy(word);
        const first = owner.get(said);
        if (first === undefined) owner.set(said, choice);
        else if (first !== choice) {
          // Two of the flow's shared lists clash at every question that offers both: once is enough.
          const shared = first.field.startsWith('speech.') && choice.field.startsWith('speech.');
          const key = `${shared ? '' : (node ?? '')}:${first.field}:${choice.field}:${said}`;
          if (reported.has(key)) return;
          reported.add(key);
          problems.push(
            wordProblem(
              node,
              choice,
              i,
              `the word '${word}' is also given to ${first.field} (key ${first.key})${node === undefined ? ` ${where}` : ''}; a caller saying it would name two choices: keep it for one`,
            ),
          );
        }
      });
  }
  return problems;
}
