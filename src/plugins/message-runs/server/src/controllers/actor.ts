import type { Actor } from '../../../shared/contracts/events';

/**
 * Who makes the request, for the history (DESIGN.md §3, "History"): the admin on admin routes; the
 * API token or the Users & Permissions user on content-API routes (a public role's request has no id).
 */
export function actorOf(ctx: any): Actor {
  const { strategy, credentials } = ctx.state.auth ?? {};
  const user = ctx.state.user;
  switch (strategy?.name) {
    case 'admin':
      return {
        kind: 'admin',
        id: String(user.id),
        name: [user.firstname, user.lastname].filter(Boolean).join(' ') || user.username || user.email || null,
      };
    // Strapi 5's name for its API token strategy.
    case 'content-api-token':
      return { kind: 'api-token', id: String(credentials.id), name: credentials.name ?? null };
    default:
      return {
        kind: 'user',
        id: user ? String(user.id) : null,
        name: user ? (user.username ?? user.email ?? null) : 'public',
      };
  }
}
