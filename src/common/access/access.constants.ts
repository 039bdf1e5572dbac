/** Metadata key of the access rule on a handler or controller; the host application's global guard reads it. */
export const ACCESS_METADATA = 'mentorhub:access';
