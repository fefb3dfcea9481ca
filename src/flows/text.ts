/** Text helpers for what the line speaks. */

/** "+18006052965" -> "1, 8 0 0, 6 0 5, 2 9 6 5": spoken digit by digit, grouped as people say them. */
export function spokenPhoneNumber(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  const groups =
    digits.length === 11 && digits.startsWith('1')
      ? [digits.slice(0, 1), digits.slice(1, 4), digits.slice(4, 7), digits.slice(7)]
      : digits.length === 10
        ? [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6)]
        : [digits];
  return groups.map((g) => g.split('').join(' ')).join(', ');
}

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
