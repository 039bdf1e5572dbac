export const ROLES_METADATA = 'mentorhub:auth:roles';
