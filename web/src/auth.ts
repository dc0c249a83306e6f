/**
 * Who the app calls the API as. Tokens live in memory only (never localStorage or sessionStorage, where any script
 * on the origin could read them): a reload means signing in again, which the identity provider's own session makes
 * a redirect without a password. Locally, the API's development sign-in (X-Dev-User) stands in for the provider.
 */

import { InMemoryWebStorage, UserManager, WebStorageStateStore, type User } from "oidc-client-ts";

import type { AuthConfig } from "./config";

export interface Session {
  /** A name to show: the dev user, or the token's name/email claim. */
  readonly label: string;
  /** Headers that authenticate one API request, fresh at each call (a renewed token is picked up). */
  headers(): Promise<Record<string, string>>;
  signOut(): Promise<void>;
}

/** The session can no longer be renewed (refresh token expired or revoked): the person must sign in again. */
export class SessionExpired extends Error {}

export const DEV_USER_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function devSession(user: string): Session {
  if (!DEV_USER_PATTERN.test(user)) throw new Error("user names are 1-64 letters, digits, - and _");
  return {
    label: user,
    headers: async () => ({ "X-Dev-User": user }),
    signOut: async () => undefined,
  };
}

export type OidcSettings = Extract<AuthConfig, { mode: "oidc" }>;

/** The provider's client, as configured (authority and client id from /config.json, nothing hard-coded). */
export function oidcManager(settings: OidcSettings, origin: string): UserManager {
  return new UserManager({
    authority: settings.authority,
    client_id: settings.clientId,
    redirect_uri: `${origin}/`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: "code", // authorization code with PKCE: no token ever travels in a URL
    scope: settings.scope,
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    // Only the PKCE verifier and state wait here across the redirect; they are useless without the code.
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: true, // refresh tokens (offline_access) keep the in-memory token fresh
    loadUserInfo: false,
  });
}

/**
 * The provider's answer is in the query: a code (signed in) or an error (e.g. the person cancelled), with the
 * state; it leaves the address bar as soon as it is read, whatever it was.
 */
export function isSigninCallback(search: string): boolean {
  const query = new URLSearchParams(search);
  return query.has("state") && (query.has("code") || query.has("error"));
}

export function oidcSession(manager: UserManager, user: User): Session {
  let current = user;
  let renewing: Promise<User> | null = null;
  manager.events.addUserLoaded((renewed) => {
    current = renewed;
  });
  // One renewal at a time: refresh tokens rotate, so two renewals racing with the same one would fail the second.
  const renew = (): Promise<User> => {
    renewing ??= manager
      .signinSilent()
      .then((renewed) => {
        if (!renewed) throw new SessionExpired("the session could not be renewed");
        current = renewed;
        return renewed;
      })
      .catch((error: unknown) => {
        throw error instanceof SessionExpired ? error : new SessionExpired(String(error));
      })
      .finally(() => {
        renewing = null;
      });
    return renewing;
  };
  const profile = user.profile as Record<string, unknown>;
  const label = String(profile.name ?? profile.email ?? profile.sub ?? "");
  return {
    label,
    headers: async () => {
      if (current.expired) await renew();
      return { Authorization: `Bearer ${current.access_token}` };
    },
    // The provider's logout needs the id token as a hint, so the user is dropped by signoutRedirect itself; when
    // the provider cannot be reached, the session is still forgotten here.
    signOut: async () => {
      await manager.signoutRedirect().catch(() => manager.removeUser());
    },
  };
}
