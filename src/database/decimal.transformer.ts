import type { ValueTransformer } from 'typeorm';

/** PostgreSQL returns NUMERIC columns as strings; the API speaks numbers. */
export const decimalTransformer: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};
