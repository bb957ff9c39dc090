import { describe, expect, it } from 'vitest';
import { StoreDriverMissingError } from '../../src/store/index.js';
import { loadDriver } from '../../src/store/load-driver.js';

describe('loadDriver', () => {
  it('names the exact npm install line when a driver package is not installed', () => {
    const error = (() => {
      try {
        loadDriver('rewind-test-no-such-driver');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(StoreDriverMissingError);
    expect(error).toMatchObject({ code: 'STORE_DRIVER_MISSING', driver: 'rewind-test-no-such-driver', command: 'npm install rewind-test-no-such-driver' });
    expect((error as Error).message).toContain('Run: npm install rewind-test-no-such-driver');
  });

  it('loads an installed driver', () => {
    expect(typeof loadDriver('better-sqlite3')).toBe('function');
  });
});
