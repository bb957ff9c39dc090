import { describe, it, expect } from 'vitest';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { layerZones } from '../../eslint.layers.js';

const eslint = new ESLint({
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { 'import-x': importX },
      settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
      rules: { 'import-x/no-restricted-paths': ['error', { zones: layerZones }] },
    },
  ],
});

async function violations(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return result!.messages.map((m) => m.message);
}

describe('layer order', () => {
  it('refuses an import from a higher layer', async () => {
    const messages = await violations('src/internal/probe.ts', "import { Scope } from '../scope/index.js';\nexport const s = Scope;\n");
    expect(messages.join('\n')).toMatch(/The internal layer may import only from: errors\.ts/);
  });

  it('refuses a layer importing the root entry point', async () => {
    const messages = await violations('src/scope/probe.ts', "import { Scope } from '../index.js';\nexport const s = Scope;\n");
    expect(messages).toHaveLength(1);
  });

  it('allows an import from a lower layer', async () => {
    const messages = await violations('src/scope/probe.ts', "import { InvalidArgumentError } from '../errors.js';\nexport const e = InvalidArgumentError;\n");
    expect(messages).toEqual([]);
  });
});
