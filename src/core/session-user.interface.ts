/** The logged-in user as the session records it: `session.login(user)`, read by `SessionAuthGuard`. */
export interface SessionUser {
  /** The user's ID; indexed beside the session so the user's sessions can be found. */
  id: string;
  /** Roles checked by `@Roles()`. */
  roles: string[];
  /** Anything else worth having at hand on every request (JSON values only). */
  [key: string]: unknown;
}
