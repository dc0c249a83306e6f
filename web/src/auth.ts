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

/** The code and state the provider sent back are in the query; they leave the address bar as soon as they are used. */
export function isSigninCallback(search: string): boolean {
  const query = new URLSearchParams(search);
  return query.has("code") && query.has("state");
}

export function oidcSession(manager: UserManager, user: User): Session {
  let current = user;
  manager.events.addUserLoaded((renewed) => {
    current = renewed;
  });
  const profile = user.profile as Record<string, unknown>;
  const label = String(profile.name ?? profile.email ?? profile.sub ?? "");
  return {
    label,
    headers: async () => {
      if (current.expired) {
        const renewed = await manager.signinSilent();
        if (renewed) current = renewed;
      }
      return { Authorization: `Bearer ${current.access_token}` };
    },
    signOut: async () => {
      await manager.removeUser();
      await manager.signoutRedirect().catch(() => undefined);
    },
  };
}
