// Admin routes (`/message-runs/...`, admin JWT + RBAC) and the same handlers as content-API routes
// (`/api/message-runs/...`, API tokens and Users & Permissions roles).
export default {
  admin: { type: 'admin', routes: [] },
  'content-api': { type: 'content-api', routes: [] },
};
