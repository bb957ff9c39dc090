// The layer order of DESIGN.md, as import zones for import-x/no-restricted-paths.

/** What each folder of src/ may import from src/ (besides itself). */
export const ALLOWED = {
  internal: ['errors.ts'],
  scope: ['internal', 'errors.ts'],
  state: ['internal', 'errors.ts', 'scope'],
  store: ['internal', 'errors.ts', 'scope'],
  history: ['internal', 'errors.ts', 'scope', 'state', 'store'],
  saga: ['internal', 'errors.ts', 'scope', 'state', 'store', 'history', 'otel'],
  flashback: ['internal', 'errors.ts', 'scope', 'state', 'store', 'history', 'saga', 'otel'],
  otel: ['internal', 'errors.ts'],
};
const FOLDERS = [...Object.keys(ALLOWED), 'cli', 'console'];

export const layerZones = [
  { target: './src/errors.ts', from: './src', except: ['./errors.ts'] },
  ...Object.entries(ALLOWED).map(([layer, allowed]) => ({
    target: `./src/${layer}`,
    from: [...FOLDERS.filter((f) => f !== layer && !allowed.includes(f)).map((f) => `./src/${f}`), './src/index.ts'],
    message: `The ${layer} layer may import only from: ${allowed.join(', ')} (DESIGN.md layer order).`,
  })),
  {
    target: './src/index.ts',
    from: ['./src/cli', './src/console'],
    message: 'Nothing imports the cli or the console.',
  },
];

