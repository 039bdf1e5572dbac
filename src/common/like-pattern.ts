/** A lower-cased `%term%` pattern for `LOWER(col) LIKE :pattern ESCAPE '\'`, with the user's wildcards escaped. */
export function containsPattern(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}
