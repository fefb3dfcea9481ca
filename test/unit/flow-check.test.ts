import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { formatProblem, loadFlows, parseFlowText, readFlowDir } from '../../src/flows/load';
import { LineError } from '../../src/common/errors';

const FILE = 'call-flows/portal-login.yaml';

/** A temporary folder holding `files`. */
function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'flows-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
const source = readFileSync(FILE, 'utf8');

/** The real flow, changed by `edit`, as the text of a file called bad.yaml. */
function edited(edit: (flow: Record<string, any>) => void): string {
  const flow = parse(source) as Record<string, any>;
  edit(flow);
  return stringify(flow);
}

function problems(text: string): string[] {
  return parseFlowText('call-flows/bad.yaml', text).problems.map(formatProblem);
}

describe('the portal-login flow', () => {
  test('passes every check', () => {
    const result = parseFlowText(FILE, source);
    expect(result.problems).toEqual([]);
    expect(result.flow?.flow.id).toBe('portal-login');
    expect(result.flow?.version).toMatch(/^[0-9a-f]{12}$/);
  });

  test('the version is a hash of the content', () => {
    const a = parseFlowText(FILE, source).flow!.version;
    const b = parseFlowText(FILE, source.replace('Goodbye.', 'Good bye.')).flow!.version;
    expect(a).not.toBe(b);
  });
});

describe('a bad flow file is rejected naming the file, the node and the field', () => {
  test('a target that does not exist, with a suggestion', () => {
    const text = edited((f) => (f.nodes.username.yes = 'username-tiket'));
    const found = problems(text);
    expect(found).toEqual([
      expect.stringMatching(
        /^call-flows\/bad\.yaml:\d+: node 'username', field 'yes': unknown node 'username-tiket'; did you mean 'username-ticket'\?$/,
      ),
    ]);
  });

  test('one misspelt target is one problem, not one more for every node cut off behind it', () => {
    // mfa-changed-device leads to the whole rest of the MFA branch: with the typo, five nodes are unreachable.
    const typo = edited((f) => (f.nodes['mfa-uninstalled-app'].no = 'mfa-changed-devise'));
    expect(problems(typo)).toEqual([
      expect.stringMatching(
        /^call-flows\/bad\.yaml:\d+: node 'mfa-uninstalled-app', field 'no': unknown node 'mfa-changed-devise'; did you mean 'mfa-changed-device'\?$/,
      ),
    ]);
    // Once the target is right, a node really cut off is still reported.
    const orphan = edited((f) => (f.nodes.orphan = { type: 'end', say: 'Bye.' }));
    expect(problems(orphan)).toEqual([expect.stringMatching(/node 'orphan', field 'type': node 'orphan' cannot be reached/)]);
  });

  test('a missing field', () => {
    const text = edited((f) => delete f.nodes.password.say);
    expect(problems(text)).toEqual([expect.stringMatching(/^call-flows\/bad\.yaml:\d+: node 'password', field 'say': .+/)]);
  });

  test('a question without a branch for one of its keys', () => {
    const text = edited((f) => delete f.nodes['mfa-changed-device'].no);
    expect(problems(text)).toEqual([
      expect.stringMatching(/node 'mfa-changed-device', field 'no': missing: key 2 \(no\) needs a node to go to$/),
    ]);
  });

  test('an unknown node type', () => {
    const text = edited((f) => (f.nodes.password.type = 'instruction'));
    expect(problems(text)[0]).toMatch(
      /node 'password', field 'type': type must be one of menu, question, instructions, transfer, end; did you mean 'instructions'\?/,
    );
  });

  test('a misspelt field is not silently ignored', () => {
    const text = edited((f) => {
      f.nodes.username.unsue = f.nodes.username.unsure;
    });
    expect(problems(text)).toEqual([
      expect.stringMatching(/:\d+: node 'username', field 'unsue': unknown field 'unsue'; did you mean 'unsure'\?$/),
    ]);
  });

  test('a menu key used twice, and a global key taken by an option', () => {
    const text = edited((f) => {
      f.nodes['main-menu'].options[1].key = '1';
      f.nodes['main-menu'].options[2].key = '9';
    });
    const found = problems(text);
    expect(found).toContainEqual(
      expect.stringMatching(/node 'main-menu', field 'options\[1\]\.key': key 1 is already used by options\[0\]/),
    );
    expect(found).toContainEqual(expect.stringMatching(/node 'main-menu', field 'options\[2\]\.key': key 9 is kept for the main menu/));
  });

  test('an unknown placeholder, with a suggestion', () => {
    const text = edited((f) => (f.nodes.password.say = 'Call {bsdNumbr} now.'));
    expect(problems(text)).toEqual([
      expect.stringMatching(/node 'password', field 'say': unknown placeholder \{bsdNumbr\}; did you mean 'bsdNumber'\?/),
    ]);
  });

  test('an unreachable node', () => {
    const text = edited((f) => (f.nodes.orphan = { type: 'end', say: 'Bye.' }));
    expect(problems(text)).toEqual([
      expect.stringMatching(/node 'orphan', field 'type': node 'orphan' cannot be reached from the start node 'main-menu'/),
    ]);
  });

  test('a loop with no way to a transfer or an end', () => {
    const text = edited((f) => {
      f.nodes['loop-a'] = { type: 'instructions', say: 'A.', solved: 'loop-b' };
      f.nodes['loop-b'] = { type: 'instructions', say: 'B.', solved: 'loop-a' };
      f.nodes['main-menu'].options.push({ key: '5', label: 'For a loop', note: 'loop', goto: 'loop-a' });
    });
    const found = problems(text);
    expect(found).toContainEqual(
      expect.stringMatching(/node 'loop-a', field 'type': from node 'loop-a' no choice ever leads to a transfer or an end/),
    );
    expect(found).toContainEqual(expect.stringMatching(/node 'loop-b'/));
  });

  test('a character XML does not allow is refused, naming the file, the node and the field', () => {
    const text = edited((f) => {
      f.nodes.password.say = 'Reset it\u0007 now.';
      f.nodes['main-menu'].options[1].label = 'For your password\uFFFE';
      f.nodes.goodbye.say = 'Bye \uD800 now.';
      f.phrases.yes = 'yes\u001B';
      f.nodes.username.say = 'Tabs\tand\nnew lines\r\nare fine, and so is \u{1F600}.';
    });
    const found = problems(text);
    const why = 'a character XML does not allow, so Twilio could not read the text; remove it';
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(`^call-flows/bad\\.yaml:\\d+: node 'password', field 'say': contains U\\+0007 at character 9, ${why}$`),
        ),
        expect.stringMatching(
          /^call-flows\/bad\.yaml:\d+: node 'main-menu', field 'options\[1\]\.label': contains U\+FFFE at character 18, /,
        ),
        expect.stringMatching(/^call-flows\/bad\.yaml:\d+: node 'goodbye', field 'say': contains U\+D800 at character 5, /),
        expect.stringMatching(/^call-flows\/bad\.yaml:\d+: field 'phrases\.yes': contains U\+001B at character 4, /),
      ]),
    );
    expect(found).toHaveLength(4);
    // A YAML escape in the file itself is refused too, with its line.
    const escaped = source.replace('login help. Goodbye.', 'login help. Goodbye.\\uFFFF');
    expect(escaped).not.toBe(source);
    const line = source.split('\n').findIndex((l) => l.includes('afterDesk:')) + 1;
    expect(problems(escaped)).toEqual([
      expect.stringContaining(`bad.yaml:${line}: field 'system.afterDesk': contains U+FFFF at character 59, `),
    ]);
  });

  test('loading the flows refuses a character XML does not allow', () => {
    const dir = folderWith({ 'portal-login.yaml': edited((f) => (f.nodes.password.say = 'Reset\u0000 it.')) });
    expect(() => loadFlows(dir)).toThrow(/portal-login\.yaml:\d+: node 'password', field 'say': contains U\+0000 /);
  });

  test('a start node that does not exist', () => {
    const text = edited((f) => (f.start = 'main-manu'));
    expect(problems(text)[0]).toMatch(/^call-flows\/bad\.yaml:\d+: field 'start': unknown node 'main-manu'; did you mean 'main-menu'\?/);
  });

  test('YAML that does not parse names the line', () => {
    expect(problems('id: x\nnodes:\n  a: [unclosed\n')).toEqual([
      expect.stringMatching(/^call-flows\/bad\.yaml:\d+: node 'a': not valid YAML/),
    ]);
    expect(problems('id: x\ntitle: [unclosed\n')).toEqual([
      expect.stringMatching(/^call-flows\/bad\.yaml:\d+: field 'title': not valid YAML/),
    ]);
  });

  test('YAML that does not parse names the line, the node and the field', () => {
    const lineOf = (text: string, what: string) => text.split('\n').findIndex((l) => l.includes(what)) + 1;
    const text = source
      .replace('  patience: "I\'m still here. For the desk, press 0."', "  patience: Still here: I'll wait.")
      .replace('        label: "Password"', '        label: Password: reset it');
    expect(problems(text)).toEqual([
      expect.stringMatching(
        `^call-flows/bad.yaml:${lineOf(text, 'patience:')}: field 'phrases.patience': not valid YAML: the text has a colon followed by a space`,
      ),
      expect.stringMatching(`^call-flows/bad.yaml:${lineOf(text, 'Password: reset')}: node 'main-menu', field 'options\\[1\\].label': `),
    ]);
  });

  test('an unquoted colon in a text is explained, with the text quoted as it should be', () => {
    const text = source.replace('    say: "The Business Support Desk can verify your account and log a ticket."', '    say: Press 1: yes');
    expect(problems(text)).toEqual([
      expect.stringMatching(
        /^call-flows\/bad\.yaml:\d+: node 'username-verification', field 'say': not valid YAML: the text has a colon followed by a space, which YAML reads as the start of another field; put the whole text in double quotes: write it as say: "Press 1: yes"$/,
      ),
    ]);
  });

  test('an apostrophe or a quote that ends a quoted text early is explained, with the text quoted as it should be', () => {
    const say = (line: string) =>
      problems(source.replace('    say: "The Business Support Desk can verify your account and log a ticket."', `    say: ${line}`));
    expect(say("'It's quick.'")).toEqual([
      expect.stringMatching(
        /node 'username-verification', field 'say': not valid YAML: a text in single quotes ends at the next apostrophe; put it in double quotes instead, write it as say: "It's quick\." \(or write each apostrophe inside twice: 'It''s quick\.'\)$/,
      ),
    ]);
    expect(say('"Press the "Forgot" link."')).toEqual([
      expect.stringMatching(
        /field 'say': not valid YAML: a text in double quotes ends at the next double quote; .* say: 'Press the "Forgot" link\.'/,
      ),
    ]);
    expect(say('"Forgot" is the link.')).toEqual([expect.stringMatching(/write it as say: '"Forgot" is the link\.'/)]);
    expect(say('"Press 1.')).toEqual([expect.stringMatching(/field 'say': not valid YAML: the text's closing double quote is missing/)]);
    expect(say('{label} first')).toEqual([
      expect.stringMatching(
        /a text that starts with \{ is read as something else unless it is in quotes: write it as say: "\{label\} first"$/,
      ),
    ]);
    // A text YAML reads as a map, a list or a number is named as such.
    expect(say('{label}')).toEqual([
      expect.stringMatching(
        /node 'username-verification', field 'say': must be text, but YAML read a map of fields here; put the text in double quotes/,
      ),
    ]);
  });

  test('a tab in the indentation names its node, and the errors that follow from it are left out', () => {
    const text = source.replace('    say: "The Business Support Desk can verify', '\tsay: "The Business Support Desk can verify');
    expect(problems(text)).toEqual([
      expect.stringMatching(
        /^call-flows\/bad\.yaml:\d+: node 'username-verification', field 'say': not valid YAML: Tabs are not allowed as indentation: indent with spaces \(\d+ more YAML error\(s\) after this one are left out: fix it and check again\)$/,
      ),
    ]);
  });

  test('line numbers point at the offending line', () => {
    const text = source.replace('    yes: username-ticket', '    yes: nowhere');
    const line = text.split('\n').findIndex((l) => l.includes('yes: nowhere')) + 1;
    expect(problems(text)[0]).toContain(`bad.yaml:${line}:`);
  });

  test('every problem is listed, not just the first', () => {
    const shape = edited((f) => {
      delete f.nodes.goodbye.say;
      f.nodes.password.type = 'instruction';
      f.phrases.yes = '';
    });
    expect(problems(shape)).toHaveLength(3);
    const meaning = edited((f) => {
      f.nodes.username.unsure = 'nowhere';
      f.nodes.password.solved = 'nowhere-else';
      f.nodes['main-menu'].options[3].key = '0';
    });
    expect(problems(meaning)).toHaveLength(3); // not the node 'unsure' no longer reaches: that waits for the targets
  });

  test('loading a folder with a bad flow throws one error listing every problem', () => {
    const dir = folderWith({
      'good.yaml': source,
      'broken.yaml': edited((f) => ((f.id = 'broken'), (f.nodes.username.yes = 'nowhere'), (f.nodes.password.solved = 'nowhere-else'))),
    });
    let error: unknown;
    try {
      loadFlows(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LineError);
    expect((error as LineError).code).toBe('FLOW_INVALID');
    expect((error as Error).message).toMatch(/broken\.yaml:\d+: node 'username', field 'yes': unknown node 'nowhere'/);
    expect((error as Error).message).toMatch(/broken\.yaml:\d+: node 'password', field 'solved': unknown node 'nowhere-else'/);
  });

  test('two files with one flow id', () => {
    const { problems: found } = readFlowDir(folderWith({ 'a.yaml': source, 'b.yaml': source }));
    expect(found.map(formatProblem)).toEqual([
      expect.stringMatching(/b\.yaml: field 'id': flow id 'portal-login' is already used by .*a\.yaml$/),
    ]);
  });

  test('an empty folder is a problem, a missing one an error', () => {
    expect(readFlowDir(folderWith({})).problems.map((p) => p.message)).toEqual(['no flow files (*.yaml, *.yml or *.json)']);
    expect(() => readFlowDir('/nonexistent/flows')).toThrow(/cannot read the call-flow folder '\/nonexistent\/flows'/);
  });
});

describe('the words a caller may say, where the flow listens for speech', () => {
  test('a word given to two options of one menu, case and punctuation aside, names the file, the node and the field', () => {
    const text = edited((f) => (f.nodes['main-menu'].options[1].words = ['password', 'Email!']));
    expect(problems(text)).toEqual([
      expect.stringMatching(
        /^call-flows\/bad\.yaml:\d+: node 'main-menu', field 'options\[1\]\.words\[1\]': the word 'Email!' is also given to options\[0\]\.words \(key 1\); a caller saying it would name two choices: keep it for one$/,
      ),
    ]);
  });

  test('a shared word given to two choices of one question, such as yes and no, names the node and the field', () => {
    const text = edited((f) => f.speech.words.no.push('Yeah.'));
    const found = problems(text);
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(found[0]).toMatch(
      /^call-flows\/bad\.yaml:\d+: node '[a-z-]+', field 'speech\.words\.no\[\d+\]': the word 'Yeah\.' is also given to speech\.words\.yes \(key 1\)/,
    );
  });

  test('a word given to a callback and to a text message, offered side by side when the desk is closed or busy', () => {
    const text = edited((f) => f.speech.words.callback.push('Text'));
    expect(problems(text)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/field 'speech\.words\.text\[0\]': the word 'text' is also given to speech\.words\.callback \(key 3\)/),
      ]),
    );
  });

  test('a word given to an option and to a word that works everywhere', () => {
    const text = edited((f) => f.nodes['main-menu'].options[0].words.push('agent'));
    expect(problems(text)).toEqual([
      expect.stringMatching(
        /:\d+: node 'main-menu', field 'speech\.words\.desk\[0\]': the word 'agent' is also given to options\[0\]\.words \(key 1\)/,
      ),
    ]);
  });

  test('an option with no words, when speech is on for the flow; none needed when it is off', () => {
    const text = edited((f) => delete f.nodes['main-menu'].options[2].words);
    expect(problems(text)).toEqual([
      expect.stringMatching(
        /^call-flows\/bad\.yaml:\d+: node 'main-menu', field 'options\[2\]\.words': option 'Multi-factor authentication, or a missing passcode' has no words; the flow listens for speech/,
      ),
    ]);
    const off = edited((f) => {
      delete f.nodes['main-menu'].options[2].words;
      f.speech.enabled = false;
    });
    expect(problems(off)).toEqual([]);
  });

  test('an option, or a choice the flow shares, with no examples of how callers say it', () => {
    const option = edited((f) => delete f.nodes['main-menu'].options[3].examples);
    expect(problems(option)).toEqual([
      expect.stringMatching(
        /^call-flows\/bad\.yaml:\d+: node 'main-menu', field 'options\[3\]\.examples': option 'Black screen or freezing' has no examples; the flow listens for speech, so write a few answers as callers say them/,
      ),
    ]);
    const shared = edited((f) => delete f.speech.examples.mainMenu);
    expect(problems(shared)).toEqual([
      expect.stringMatching(
        /:\d+: field 'speech\.examples\.mainMenu': the choice 'mainMenu' \(key 9\) has no examples at node 'main-menu'; write a few answers as callers say them/,
      ),
    ]);
  });

  test('a misspelt field of the speech block is not silently ignored', () => {
    const text = edited((f) => (f.speech.words.yess = ['yes']));
    expect(problems(text).join('\n')).toMatch(/speech\.words/);
  });
});
