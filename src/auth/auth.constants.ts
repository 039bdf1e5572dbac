export const ROLES_METADATA = 'mentorhub:auth:roles';
export const AUTHENTICATED_METADATA = 'mentorhub:auth:authenticated';
