import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkImports, checkTree } from './layers.js';

describe('layer direction (DESIGN.md: an arrow only points down)', () => {
  it('finds no lower layer importing a higher one anywhere in src/', () => {
    const violations = checkTree(fileURLToPath(new URL('..', import.meta.url)));
    expect(violations.map((v) => `${v.file}:${v.line} ${v.from} → ${v.to} (${v.specifier})`)).toEqual([]);
  });

  it('flags the engine importing the CLI, and physics importing the device layer', () => {
    expect(checkImports('engine/x.ts', "import { main } from '../cli/main.js';")).toHaveLength(1);
    expect(checkImports('physics/x.ts', "import type { Device } from '../device/device.js';")[0]).toMatchObject({
      from: 'physics',
      to: 'device',
      line: 1,
    });
  });

  it('sees an import written over several lines, and a dynamic import', () => {
    const text =
      "import { mA } from '../units/quantities.js';\nimport {\n  runCommand,\n  summary,\n} from '../cli/run-command.js';\n";
    expect(checkImports('engine/x.ts', text)).toEqual([
      { file: 'engine/x.ts', line: 5, from: 'engine', to: 'cli', specifier: '../cli/run-command.js' },
    ]);
    expect(checkImports('device/x.ts', "const m = await import('../engine/supervisor.js');")).toHaveLength(1);
  });

  it('allows imports downward and within a layer', () => {
    const text = [
      "import { mA } from '../units/quantities.js';",
      "import { step } from './session-machine.js';",
      "export { DC } from '../device/device.js';",
    ].join('\n');
    expect(checkImports('engine/x.ts', text)).toEqual([]);
  });

  it('keeps side-by-side layers apart: units may not import errors', () => {
    expect(checkImports('units/x.ts', "import { IontoError } from '../errors/catalogue.js';")).toHaveLength(1);
  });
});
