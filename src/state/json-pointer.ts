/**
 * RFC 6901 JSON pointers, as used in patch paths: `/users/u1/name`, with `~` written `~0`
 * and `/` written `~1` inside a token.
 *
 * @module
 */

/** Escapes one reference token (`a/b` becomes `a~1b`, `~` becomes `~0`). */
export function escapeToken(token: string): string {
  return token.includes('~') || token.includes('/')
    ? token.replaceAll('~', '~0').replaceAll('/', '~1')
    : token;
}

/** The pointer to child `token` (an object key or an array index) of `parent`. */
export function childPointer(parent: string, token: string | number): string {
  return `${parent}/${typeof token === 'number' ? token : escapeToken(token)}`;
}

/**
 * Splits a pointer into unescaped tokens (`''` is the whole document: no tokens). Returns
 * `undefined` for a string that is not a pointer (no leading `/`, or `~` not followed by 0 or 1).
 */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens = pointer.slice(1).split('/');
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (!token.includes('~')) continue;
    if (/~(?![01])/.test(token)) return undefined;
    // ~1 before ~0, so that "~01" reads as "~1" and not as "/" (RFC 6901 section 4).
    tokens[i] = token.replaceAll('~1', '/').replaceAll('~0', '~');
  }
  return tokens;
}
