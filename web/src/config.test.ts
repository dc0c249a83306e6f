import { describe, expect, it } from "vitest";

import { ConfigError, loadConfig, parseConfig } from "./config";

describe("parseConfig", () => {
  it("accepts the local development configuration", () => {
    expect(parseConfig({ apiUrl: "http://127.0.0.1:8000/", auth: { mode: "dev" } })).toEqual({
      apiUrl: "http://127.0.0.1:8000",
      auth: { mode: "dev" },
    });
  });

  it("accepts OIDC with a default scope that asks for a refresh token", () => {
    const config = parseConfig({
      apiUrl: "https://api.filot.id",
      auth: { mode: "oidc", authority: "https://auth.example.test/realm", clientId: "web" },
    });
    expect(config.auth).toEqual({
      mode: "oidc",
      authority: "https://auth.example.test/realm",
      clientId: "web",
      scope: "openid profile offline_access",
    });
  });

  it.each([
    [null, "not an object"],
    [{ auth: { mode: "dev" } }, "apiUrl is missing"],
    [{ apiUrl: "not a url", auth: { mode: "dev" } }, "not a URL"],
    [{ apiUrl: "http://api.filot.id", auth: { mode: "dev" } }, "must be https"],
    [{ apiUrl: "https://api.filot.id", auth: { mode: "dev" } }, "only for an API on loopback"],
    [{ apiUrl: "https://api.filot.id", auth: { mode: "oidc", authority: "https://a.test" } }, "clientId"],
    [{ apiUrl: "https://api.filot.id", auth: { mode: "password" } }, "auth.mode"],
    [{ apiUrl: "https://api.filot.id" }, "auth is missing"],
  ])("refuses %j (%s)", (raw, message) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(message);
  });
});

describe("loadConfig", () => {
  it("reports an HTTP failure of config.json", async () => {
    const fetcher = (async () => new Response("missing", { status: 404 })) as unknown as typeof fetch;
    await expect(loadConfig(fetcher)).rejects.toThrow("HTTP 404");
  });
});
