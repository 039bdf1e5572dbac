import { BadRequestException } from '@nestjs/common';
import { MAX_ID, ParseIdPipe } from './parse-id.pipe.js';

describe('ParseIdPipe', () => {
  const pipe = new ParseIdPipe();
  const meta = { type: 'param' as const, data: 'id' };

  it('accepts positive 32-bit integers', () => {
    expect(pipe.transform('42', meta)).toBe(42);
    expect(pipe.transform(String(MAX_ID), meta)).toBe(MAX_ID);
  });

  it.each(['abc', '0', '-1', '1.5', '1e3', '', String(MAX_ID + 1), '99999999999999999999'])('refuses %p with 400', (raw) => {
    expect(() => pipe.transform(raw, meta)).toThrow(BadRequestException);
    expect(() => pipe.transform(raw, meta)).toThrow(/^id must be a positive integer/);
  });
});
