import type Koa from 'koa';
import type { Actor } from '../../../shared/contracts/events';

/** What Strapi's authentication leaves in `ctx.state`: the strategy, its credentials and the user. */
interface AuthState {
  auth?: { strategy?: { name: string }; credentials?: { id: number | string; name?: string | null } };
  user?: {
    id: number | string;
    firstname?: string | null;
    lastname?: string | null;
    username?: string | null;
    email?: string | null;
  };
}

/**
 * Who makes the request, for the history (DESIGN.md §3, "History"): the admin on admin routes; the
 * API token or the Users & Permissions user on content-API routes (a public role's request has no id).
 */
export function actorOf(ctx: Koa.Context): Actor {
  const { auth, user } = ctx.state as AuthState;
  const { strategy, credentials } = auth ?? {};
  // Each strategy that authenticated the request set what it names: the admin's user, the token's credentials.
  switch (strategy?.name) {
    case 'admin':
      return {
        kind: 'admin',
        id: String(user!.id),
        name: [user!.firstname, user!.lastname].filter(Boolean).join(' ') || user!.username || user!.email || null,
      };
    // Strapi 5's name for its API token strategy.
    case 'content-api-token':
      return { kind: 'api-token', id: String(credentials!.id), name: credentials!.name ?? null };
    default:
      return {
        kind: 'user',
        id: user ? String(user.id) : null,
        name: user ? (user.username ?? user.email ?? null) : 'public',
      };
  }
}
