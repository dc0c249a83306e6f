import type { User, UserManager } from "oidc-client-ts";
import { describe, expect, it } from "vitest";

import { devSession, isSigninCallback, oidcSession, SessionExpired } from "./auth";

function fakeManager(renewals: Array<() => Promise<User | null>>) {
  let silent = 0;
  const manager = {
    events: { addUserLoaded: () => undefined },
    signinSilent: () => {
      silent += 1;
      const next = renewals.shift();
      return next ? next() : Promise.reject(new Error("no renewal scripted"));
    },
    signoutRedirect: () => Promise.reject(new Error("provider unreachable")),
    removeUser: () => {
      removed += 1;
      return Promise.resolve();
    },
  };
  let removed = 0;
  return {
    manager: manager as unknown as UserManager,
    silentCalls: () => silent,
    removed: () => removed,
  };
}

const user = (token: string, expired: boolean) =>
  ({ access_token: token, expired, profile: { sub: "s1", name: "Siti Aminah" } }) as unknown as User;

describe("OIDC session", () => {
  it("sends the token it holds while it is valid, named by the profile's name", async () => {
    const { manager, silentCalls } = fakeManager([]);
    const session = oidcSession(manager, user("t1", false));
    expect(session.label).toBe("Siti Aminah");
    expect(await session.headers()).toEqual({ Authorization: "Bearer t1" });
    expect(silentCalls()).toBe(0);
  });

  it("renews an expired token once for calls made together (refresh tokens rotate)", async () => {
    let release: (u: User) => void = () => undefined;
    const { manager, silentCalls } = fakeManager([() => new Promise<User>((resolve) => (release = resolve))]);
    const session = oidcSession(manager, user("old", true));
    const both = Promise.all([session.headers(), session.headers()]);
    release(user("new", false));
    expect(await both).toEqual([{ Authorization: "Bearer new" }, { Authorization: "Bearer new" }]);
    expect(silentCalls()).toBe(1);
  });

  it("reports a renewal that fails as an expired session", async () => {
    const { manager } = fakeManager([() => Promise.reject(new Error("invalid_grant"))]);
    const session = oidcSession(manager, user("old", true));
    await expect(session.headers()).rejects.toBeInstanceOf(SessionExpired);
  });

  it("forgets the session even when the provider's logout cannot be reached", async () => {
    const { manager, removed } = fakeManager([]);
    await oidcSession(manager, user("t1", false)).signOut();
    expect(removed()).toBe(1);
  });
});

describe("sign-in callback", () => {
  it("is a code or an error with the state", () => {
    expect(isSigninCallback("?code=abc&state=xyz")).toBe(true);
    expect(isSigninCallback("?error=access_denied&state=xyz")).toBe(true);
    expect(isSigninCallback("?code=abc")).toBe(false);
    expect(isSigninCallback("")).toBe(false);
  });

  it("dev sessions name themselves in X-Dev-User", async () => {
    expect(await devSession("budi_1").headers()).toEqual({ "X-Dev-User": "budi_1" });
  });
});
