import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Parses a command's options; a wrong option prints the usage and exits 2, as command-line tools do. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(options: T, usage: string, argv = process.argv.slice(2)) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}\n`);
    process.exit(2);
  }
}

export function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}
