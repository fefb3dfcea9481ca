/** Text helpers for what the line speaks. */

/** "482913" -> "4 8 2, 9 1 3". */
export function spokenCode(code: string): string {
  const chars = code.split('');
  const half = Math.ceil(chars.length / 2);
  return chars.length > 4 ? `${chars.slice(0, half).join(' ')}, ${chars.slice(half).join(' ')}` : chars.join(' ');
}

const PLACEHOLDER = /\{([a-zA-Z]+)\}/g;

/** The placeholder names used in `template`. */
export function placeholdersIn(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** Replaces {name} with values[name]; unknown names are left as they are (the flow check rejects them). */
export function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
}

/** Collapses the white space a YAML block leaves in spoken text. */
export function tidy(spoken: string): string {
  return spoken.replace(/\s+/g, ' ').trim();
}
