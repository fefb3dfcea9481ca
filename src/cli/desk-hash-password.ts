import { text } from 'node:stream/consumers';
import { hashPassword } from '../desk/sign-in/password';
import { fail, parseOptions } from './args';

const USAGE = `Usage: npm run desk:hash-password < file-with-the-password
       printf '%s' "$PASSWORD" | npm run --silent desk:hash-password

Reads a desk agent's password from standard input (one line; a final line break is not part of it) and prints its
scrypt hash, for DESK_USERS=name:hash,name:hash. The password is never printed nor written anywhere. Typed at a
terminal, the input is not echoed: end it with Enter.`;

const { values } = parseOptions({}, USAGE);
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) return (await text(process.stdin)).replace(/\r?\n$/, '');
  // At a terminal: ask, without echoing what is typed.
  process.stderr.write('Password (not shown): ');
  process.stdin.setRawMode(true);
  process.stdin.setEncoding('utf8');
  let typed = '';
  for await (const chunk of process.stdin as AsyncIterable<string>) {
    for (const ch of chunk) {
      if (ch === '\r' || ch === '\n') {
        process.stdin.setRawMode(false);
        process.stderr.write('\n');
        process.stdin.pause();
        return typed;
      }
      if (ch === '\u0003') fail('\ncancelled', 130);
      if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
      else typed += ch;
    }
  }
  return typed;
}

void (async () => {
  const password = await readPassword();
  if (password.length < 12) fail('the password must be at least 12 characters long');
  if (password.length > 1024) fail('the password must be at most 1024 characters long');
  process.stdout.write(`${await hashPassword(password)}\n`);
})();
