/**
 * Where the PostgreSQL tests find their server. CI sets REWIND_PG_URL; without it the
 * PostgreSQL tests skip, and say so once per file.
 */
export const PG_URL = process.env['REWIND_PG_URL'];

/** Prints the one line that says why a PostgreSQL test file skipped. */
export function noteSkipWithoutPg(file: string): void {
  if (PG_URL === undefined) {
    console.log(`[skip] ${file}: REWIND_PG_URL is not set, so the PostgreSQL tests did not run (CI sets it).`);
  }
}
