import { nestsDeeperThan } from './json-depth.js';

describe('nestsDeeperThan', () => {
  it('counts nested objects and arrays against the limit', () => {
    expect(nestsDeeperThan('{"a":[1,{"b":[]}]}', 4)).toBe(false);
    expect(nestsDeeperThan('{"a":[1,{"b":[]}]}', 3)).toBe(true);
    expect(nestsDeeperThan(`${'['.repeat(6000)}${']'.repeat(6000)}`, 32)).toBe(true);
  });

  it('counts depth, not the number of siblings', () => {
    expect(nestsDeeperThan(`[${'[],'.repeat(100)}[]]`, 2)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan(`{"a":"${'[{'.repeat(50)}"}`, 1)).toBe(false);
    expect(nestsDeeperThan(`{"a":"\\"[[[[","b":"\\\\"}`, 1)).toBe(false);
    expect(nestsDeeperThan(`{"a":"\\\\",${'"b":{'.repeat(3)}}}}}`, 3)).toBe(true);
  });
});
