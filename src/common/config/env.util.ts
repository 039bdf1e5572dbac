import { hostname } from 'node:os';

/**
 * Helpers used by the per-module `registerAs` factories. Each throws a ConfigError whose
 * message names the variable, so a bad value stops the start with one clear line.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function readEnv(name: string): string | undefined {
  const value = process.env[name];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function stringVar(name: string, fallback: string): string {
  return readEnv(name) ?? fallback;
}

export function optionalStringVar(name: string): string | undefined {
  return readEnv(name);
}

export function intVar(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
  const raw = readEnv(name);
  if (raw === undefined) return fallback;
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
  if (!/^-?\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return Number(raw);
}

export function numberVar(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
  const raw = readEnv(name);
  if (raw === undefined) return fallback;
  const { min = -Infinity, max = Infinity } = range;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a number between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

const TRUE_VALUES = ['true', '1', 'yes', 'on'];
const FALSE_VALUES = ['false', '0', 'no', 'off'];

export function boolVar(name: string, fallback: boolean): boolean {
  const raw = readEnv(name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (TRUE_VALUES.includes(raw)) return true;
  if (FALSE_VALUES.includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

export function enumVar<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const raw = readEnv(name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

/** INSTANCE_ID, read here only: this replica's id in admin views, the host name unless set. */
export function instanceId(): string {
  return stringVar('INSTANCE_ID', hostname());
}

/** NODE_ENV, read here only: every namespace that behaves differently in production asks this. */
export function nodeEnv(): NodeEnv {
  return enumVar('NODE_ENV', NODE_ENVS, 'development');
}

/** Values copied from .env.example or secret.example.yaml without being replaced. */
export const PLACEHOLDER_SECRET = /change-?me|replace-?with|example|placeholder/i;
