/** Cache key prefixes of mentor data; other modules invalidate them when they change a mentor. */
export const MENTOR_CACHE = {
  detail: 'mentor',
  list: 'mentors',
} as const;
