import { BadRequestException } from '@nestjs/common';
import { RejectNulPipe } from './reject-nul.pipe.js';

describe('RejectNulPipe', () => {
  const pipe = new RejectNulPipe();

  it('passes values without NUL through unchanged', () => {
    const body = { text: 'École', tags: ['a'], nested: { n: 1 } };
    expect(pipe.transform(body, { type: 'body' })).toBe(body);
  });

  it('refuses a NUL anywhere, naming where', () => {
    expect(() => pipe.transform({ nested: { tags: ['ok', 'b\u0000d'] } }, { type: 'body' })).toThrow(BadRequestException);
    expect(() => pipe.transform({ nested: { tags: ['ok', 'b\u0000d'] } }, { type: 'body' })).toThrow(
      'nested.tags.1 must not contain NUL characters',
    );
    expect(() => pipe.transform('a\u0000', { type: 'query', data: 'q' })).toThrow('q must not contain NUL characters');
  });
});
