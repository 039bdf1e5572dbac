import { boolVar, ConfigError, enumVar, intVar, nodeEnv, numberVar, stringVar } from './env.util.js';

describe('env helpers', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('returns the fallback for unset or blank variables', () => {
    delete process.env.X_TEST;
    expect(intVar('X_TEST', 5)).toBe(5);
    process.env.X_TEST = '  ';
    expect(stringVar('X_TEST', 'd')).toBe('d');
  });

  it('parses integers in range and names the variable when not', () => {
    process.env.X_TEST = '8080';
    expect(intVar('X_TEST', 1, { min: 1, max: 65535 })).toBe(8080);
    process.env.X_TEST = 'abc';
    expect(() => intVar('X_TEST', 1)).toThrow(ConfigError);
    expect(() => intVar('X_TEST', 1)).toThrow(/^X_TEST must be an integer/);
    process.env.X_TEST = '70000';
    expect(() => intVar('X_TEST', 1, { min: 1, max: 65535 })).toThrow(/X_TEST.*"70000"/);
    process.env.X_TEST = '1.5';
    expect(() => intVar('X_TEST', 1)).toThrow(ConfigError);
  });

  it('parses numbers, booleans and enums', () => {
    process.env.X_TEST = '2.5';
    expect(numberVar('X_TEST', 0, { min: 0, max: 10 })).toBe(2.5);
    process.env.X_TEST = 'NO';
    expect(boolVar('X_TEST', true)).toBe(false);
    process.env.X_TEST = 'maybe';
    expect(() => boolVar('X_TEST', true)).toThrow(/X_TEST must be true or false/);
    process.env.X_TEST = 'b';
    expect(enumVar('X_TEST', ['a', 'b'] as const, 'a')).toBe('b');
    process.env.X_TEST = 'c';
    expect(() => enumVar('X_TEST', ['a', 'b'] as const, 'a')).toThrow(/X_TEST must be one of a, b/);
  });

  it('reads NODE_ENV as development, production or test, development when unset', () => {
    delete process.env.NODE_ENV;
    expect(nodeEnv()).toBe('development');
    process.env.NODE_ENV = 'production';
    expect(nodeEnv()).toBe('production');
    process.env.NODE_ENV = 'prod';
    expect(() => nodeEnv()).toThrow(/^NODE_ENV must be one of development, production, test, got "prod"$/);
  });
});
