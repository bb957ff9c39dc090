import { describe, expect, it } from 'vitest';
import { isRewindError } from '../../src/errors.js';
import { FencedWriteError } from '../../src/store/index.js';

describe('FencedWriteError', () => {
  it('names the stream, both tokens and the holder, says to stop writing, and keeps its details in JSON', () => {
    const error = new FencedWriteError({ url: 'postgres://db/x?schema=rewind', stream: 'order-42', token: 3, currentToken: 4, owner: 'host-b:77' });
    expect(error.name).toBe('FencedWriteError');
    expect(error.code).toBe('FENCED_WRITE');
    expect(isRewindError(error)).toBe(true);
    expect(error.message).toBe(
      'Append to stream "order-42" in postgres://db/x?schema=rewind was refused: this worker lost its lease (token 3; the stream\'s token is 4 and it is now held by "host-b:77"). Nothing was written; stop writing to this stream.',
    );
    expect(error).toMatchObject({ stream: 'order-42', token: 3, currentToken: 4, owner: 'host-b:77' });
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({
      name: 'FencedWriteError',
      code: 'FENCED_WRITE',
      details: { url: 'postgres://db/x?schema=rewind', stream: 'order-42', token: 3, currentToken: 4, owner: 'host-b:77' },
    });
    expect(new FencedWriteError({ url: 'u', stream: 's', token: 1, currentToken: 1, owner: null }).message).toContain('nobody holds it now');
  });
});
