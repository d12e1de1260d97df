import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClinic, listClinics } from './clinics.js';
import { DEFAULT_SQLITE_FILE, databaseUrlFromEnv, openStore } from './open-store.js';

describe('openStore', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('defaults to an embedded SQLite file under ./data/', () => {
    expect(DEFAULT_SQLITE_FILE).toBe('./data/openionto.sqlite');
  });

  it('creates the SQLite file and its folder when missing, and the data is there after reopening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ionto-open-'));
    dirs.push(dir);
    const file = join(dir, 'nested', 'data', 'ionto.sqlite');
    const s = await openStore({ url: `sqlite:${file}` });
    expect(s.dialect).toBe('sqlite');
    await createClinic(s, { name: 'C', time_zone: 'Europe/Berlin' });
    await s.close();
    expect(existsSync(file)).toBe(true);
    const again = await openStore({ url: file });
    expect((await listClinics(again)).items.map((c) => c.name)).toEqual(['C']);
    await again.close();
  });

  it('reads the database URL from IONTO_DATABASE_URL, blank meaning the embedded default', () => {
    expect(databaseUrlFromEnv({ IONTO_DATABASE_URL: 'postgres://db/ionto' })).toBe('postgres://db/ionto');
    expect(databaseUrlFromEnv({ IONTO_DATABASE_URL: '  ' })).toBeUndefined();
    expect(databaseUrlFromEnv({})).toBeUndefined();
  });
});
