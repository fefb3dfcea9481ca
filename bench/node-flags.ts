import { readFileSync } from 'node:fs';

/**
 * The runtime flags the line runs with, as `npm start` gives them (package.json); the benchmark starts the line and
 * the plain express ceiling with them alike, so that both run on the same runtime.
 */
export const NODE_FLAGS: string[] = (() => {
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
  return start.split(/\s+/).filter((word) => word.startsWith('--'));
})();
