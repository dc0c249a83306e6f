/**
 * The app's runtime configuration, fetched from /config.json beside index.html: the same build runs in every stage
 * (what staging ran is what production gets), so the API origin and the identity provider cannot be baked in.
 */

export type AuthConfig =
  | { mode: "dev" }
  | { mode: "oidc"; authority: string; clientId: string; scope: string };

export interface AppConfig {
  apiUrl: string;
  auth: AuthConfig;
}

export class ConfigError extends Error {}

function httpUrl(value: unknown, name: string): string {
  if (typeof value !== "string") throw new ConfigError(`${name} is missing`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a URL: ${value}`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname))) {
    throw new ConfigError(`${name} must be https (plain http only on loopback): ${value}`);
  }
  return value.replace(/\/+$/, "");
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]";
}

/** Validates what /config.json held; a wrong file stops the app with a message instead of failing later. */
export function parseConfig(raw: unknown): AppConfig {
  if (typeof raw !== "object" || raw === null) throw new ConfigError("config.json is not an object");
  const data = raw as Record<string, unknown>;
  const apiUrl = httpUrl(data.apiUrl, "apiUrl");
  const auth = data.auth as Record<string, unknown> | undefined;
  if (!auth || typeof auth !== "object") throw new ConfigError("auth is missing");
  if (auth.mode === "dev") {
    if (!isLoopback(new URL(apiUrl).hostname)) {
      throw new ConfigError("development sign-in is only for an API on loopback");
    }
    return { apiUrl, auth: { mode: "dev" } };
  }
  if (auth.mode === "oidc") {
    const authority = httpUrl(auth.authority, "auth.authority");
    if (typeof auth.clientId !== "string" || !auth.clientId) throw new ConfigError("auth.clientId is missing");
    const scope = typeof auth.scope === "string" && auth.scope ? auth.scope : "openid profile offline_access";
    return { apiUrl, auth: { mode: "oidc", authority, clientId: auth.clientId, scope } };
  }
  throw new ConfigError(`auth.mode must be "dev" or "oidc"`);
}

export async function loadConfig(fetcher: typeof fetch = fetch): Promise<AppConfig> {
  const response = await fetcher("/config.json", { cache: "no-store", credentials: "omit" });
  if (!response.ok) throw new ConfigError(`config.json answered HTTP ${response.status}`);
  return parseConfig(await response.json());
}
