import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { PgStore } from '../../src/store/postgres/index.js';
import { pgNames } from '../../src/store/postgres/pg-names.js';
import { displayUrl, splitStoreParams } from '../../src/store/postgres/pg-url.js';
import { likePrefix } from '../../src/store/postgres/pg-coordination.js';

describe('PostgreSQL URLs and names', () => {
  it("takes the store's own parameters out of the URL before the driver sees it", () => {
    expect(splitStoreParams('postgres://u@h/db?schema=orders&sslmode=require&maxConnections=4&migrationLockTimeout=5s')).toEqual({
      connectionString: 'postgres://u@h/db?sslmode=require',
      schema: 'orders',
      maxConnections: 4,
      migrationLockTimeout: 5000,
    });
    expect(splitStoreParams('postgres://u@h/db?migrationLockTimeout=250')).toMatchObject({ connectionString: 'postgres://u@h/db', migrationLockTimeout: 250 });
    expect(splitStoreParams('postgresql://u@h/db')).toEqual({
      connectionString: 'postgresql://u@h/db',
      schema: undefined,
      maxConnections: undefined,
      migrationLockTimeout: undefined,
    });
  });

  it('refuses a store parameter given twice or with a value its option does not take, naming it, before connecting', () => {
    const cases: [string, string][] = [
      ['postgres://u@h/db?schema=a&schema=b', 'spec?schema'],
      ['postgres://u@h/db?maxConnections=0', 'spec?maxConnections'],
      ['postgres://u@h/db?maxConnections=2.5', 'spec?maxConnections'],
      ['postgres://u@h/db?maxConnections=', 'spec?maxConnections'],
      ['postgres://u@h/db?migrationLockTimeout=0', 'spec?migrationLockTimeout'],
      ['postgres://u@h/db?migrationLockTimeout=soon', 'spec?migrationLockTimeout'],
    ];
    for (const [url, path] of cases) {
      const error = (() => {
        try {
          return splitStoreParams(url);
        } catch (e) {
          return e;
        }
      })();
      expect(error, url).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).path, url).toBe(path);
    }
  });

  it('shows a URL without any password, with the schema', () => {
    expect(displayUrl({ connectionString: 'postgres://app:s3cret@db:5433/shop?password=x&sslmode=require' }, 'orders')).toBe(
      'postgres://app@db:5433/shop?sslmode=require&schema=orders',
    );
    expect(displayUrl({ connectionString: 'host=db password=s3cret' }, 'r')).not.toContain('s3cret');
    expect(displayUrl({ pool: { host: 'db', port: 5432, user: 'app', database: 'shop' } }, 'rewind')).toBe('postgres://app@db:5432/shop?schema=rewind');
    expect(displayUrl({ pool: { connectionString: 'postgres://app:pw@db/shop' } }, 'rewind')).toBe('postgres://app@db/shop?schema=rewind');
  });

  it('escapes LIKE wildcards so a prefix matches literally', () => {
    expect(likePrefix('a%b_c\\d')).toBe('a\\%b\\_c\\\\d%');
    expect(likePrefix('')).toBe('%');
  });

  it('quotes the schema in every name and refuses names PostgreSQL would truncate', () => {
    const names = pgNames('my "schema"', 'schema');
    expect(names.streams).toBe('"my ""schema""".rewind_streams');
    expect(names.channel).toMatch(/^rewind_work_[0-9a-f]{16}$/);
    expect(pgNames('my "schema"', 'schema').lockKeys).toEqual(names.lockKeys);
    for (const bad of ['', 'x'.repeat(64), 'nul\0', 'é'.repeat(32), 42]) {
      expect(() => pgNames(bad, 'options.schema'), String(bad)).toThrow(InvalidArgumentError);
    }
  });

  it('refuses invalid store options before connecting, without echoing a connection string', () => {
    const cases: [unknown, string][] = [
      [{}, 'options'],
      [{ connectionString: 'postgres://h/db', pool: { connect: () => undefined } }, 'options'],
      [{ pool: {} }, 'options.pool'],
      [{ connectionString: '' }, 'options.connectionString'],
      [{ connectionString: 'postgres://h/db', schema: '' }, 'options.schema'],
      [{ connectionString: 'postgres://h/db', maxConnections: 0 }, 'options.maxConnections'],
      [{ connectionString: 'postgres://h/db', applicationName: 5 }, 'options.applicationName'],
    ];
    for (const [options, path] of cases) {
      const error = (() => {
        try {
          return new PgStore(options as ConstructorParameters<typeof PgStore>[0]);
        } catch (e) {
          return e;
        }
      })();
      expect(error, path).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).path, path).toBe(path);
    }
  });
});
