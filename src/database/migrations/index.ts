import { CacheInvalidation1764633600000 } from './1764633600000-cache-invalidation.js';
import { InitialSchema1732406400000 } from './1732406400000-initial-schema.js';

/** Listed explicitly (not globbed) so the same list works from src under Jest and from dist. */
export const MIGRATIONS = [InitialSchema1732406400000, CacheInvalidation1764633600000];
