import type { IncomingMessage } from 'node:http';
import { requestIdOf } from './request-id.js';

const withHeader = (value?: string | string[]) => ({ headers: value === undefined ? {} : { 'x-request-id': value } }) as IncomingMessage;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIdOf', () => {
  it('keeps a valid incoming id', () => {
    for (const id of ['a', 'req-42', 'trace:span.1_A', 'x'.repeat(128)]) expect(requestIdOf(withHeader(id))).toBe(id);
  });

  it('generates a UUID without one, or for one too long, with other characters, or repeated', () => {
    for (const header of [undefined, '', 'x'.repeat(129), 'has space', 'new\nline', 'ünï', '<script>', ['a', 'b']]) {
      expect(requestIdOf(withHeader(header))).toMatch(UUID);
    }
    expect(requestIdOf(withHeader())).not.toBe(requestIdOf(withHeader()));
  });
});
