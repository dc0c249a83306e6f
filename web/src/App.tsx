import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { UserManager } from "oidc-client-ts";

import { Api } from "./api";
import { devSession, isSigninCallback, oidcManager, oidcSession, type Session } from "./auth";
import { loadConfig, type AppConfig } from "./config";
import { Context, type Screen } from "./context";
import { LANGS, preferredLang, words as wordsFor, type Lang, type UiKey } from "./i18n";
import { CaptureScreen } from "./screens/CaptureScreen";
import { DocumentScreen } from "./screens/DocumentScreen";
import { DocumentsScreen } from "./screens/DocumentsScreen";
import { PrivacyScreen } from "./screens/PrivacyScreen";
import { SignInScreen } from "./screens/SignInScreen";

type Boot = { state: "loading" } | { state: "ready"; config: AppConfig } | { state: "broken"; detail: string };

export function App() {
  const [lang, setLang] = useState<Lang>(() => preferredLang(navigator.languages ?? [navigator.language]));
  const words = useMemo(() => wordsFor(lang), [lang]);
  const [boot, setBoot] = useState<Boot>({ state: "loading" });
  const [manager, setManager] = useState<UserManager | null>(null);
  const [session, setSession] = useState<Session | null>(null);
  const [screen, setScreen] = useState<Screen>({ name: "capture" });
  // Each navigation is a fresh visit: choosing "Send a document" again starts the capture over.
  const [visit, setVisit] = useState(0);
  const [notice, setNotice] = useState<UiKey | { text: string } | null>(null);
  // One live region for the whole app, always in the page, so what changes is announced (a region created
  // together with its text is often not read).
  const [announcement, setAnnouncement] = useState("");
  const announced = useRef(0);
  const announce = useCallback((text: string) => {
    announced.current += 1;
    // A zero-width space after a repeat makes the same sentence count as a change.
    setAnnouncement(announced.current % 2 ? text : `${text}\u200b`);
  }, []);

  const go = useCallback((next: Screen) => {
    setScreen(next);
    setVisit((n) => n + 1);
  }, []);

  // The session ends here when the API refuses it (expired, revoked): back to sign-in, with the reason.
  const expire = useCallback(() => {
    void manager?.removeUser();
    setSession(null);
    setNotice("sessionExpired");
    go({ name: "capture" });
  }, [manager, go]);

  const api = useMemo(
    () => (boot.state === "ready" && session ? new Api(boot.config.apiUrl, session, { onUnauthorized: expire }) : null),
    [boot, session, expire],
  );

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  useEffect(() => {
    loadConfig()
      .then(async (config) => {
        if (config.auth.mode === "oidc") {
          const oidc = oidcManager(config.auth, window.location.origin);
          setManager(oidc);
          if (isSigninCallback(window.location.search)) {
            try {
              setSession(oidcSession(oidc, await oidc.signinRedirectCallback()));
            } catch (error) {
              // A cancelled sign-in, a reused or forged code, a lost state: said on the sign-in screen.
              setNotice({ text: String(error instanceof Error ? error.message : error) });
            } finally {
              window.history.replaceState(null, "", "/"); // the code, the error and the state leave the address bar
            }
          }
        }
        setBoot({ state: "ready", config });
      })
      .catch((error: unknown) => setBoot({ state: "broken", detail: String(error) }));
  }, []);

  const signOut = useCallback(
    async (message: UiKey | { text: string } | null = null) => {
      await session?.signOut();
      setSession(null);
      go({ name: "capture" });
      setNotice(message);
    },
    [session, go],
  );

  const live = (
    <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
      {announcement}
    </div>
  );
  if (boot.state === "loading") return <p className="boot">{words.t("loading")}</p>;
  if (boot.state === "broken") {
    return (
      <main className="boot" role="alert">
        <h1>{words.t("configError")}</h1>
        <p>{boot.detail}</p>
      </main>
    );
  }

  const languagePicker = (
    <div className="lang" role="group" aria-label={words.t("language")}>
      {LANGS.map((code) => (
        <button key={code} type="button" aria-pressed={code === lang} onClick={() => setLang(code)} lang={code}>
          {code === "id" ? "Bahasa Indonesia" : "English"}
        </button>
      ))}
    </div>
  );

  if (!session || !api) {
    return (
      <>
        <header className="top">
          <span className="brand">{words.t("appName")}</span>
          {languagePicker}
        </header>
        <SignInScreen
          words={words}
          auth={boot.config.auth}
          notice={notice === null ? null : typeof notice === "string" ? words.t(notice) : notice.text}
          onDev={(user) => {
            setNotice(null);
            setSession(devSession(user));
          }}
          onOidc={() => {
            manager?.signinRedirect().catch(() => setNotice("signInUnavailable"));
          }}
        />
        {live}
      </>
    );
  }

  const context = { words, api, go, announce };
  const nav: Array<[Screen["name"], string]> = [
    ["capture", words.t("navCapture")],
    ["documents", words.t("navDocuments")],
    ["privacy", words.t("navPrivacy")],
  ];
  return (
    <Context.Provider value={context}>
      <header className="top">
        <span className="brand">{words.t("appName")}</span>
        <nav aria-label={words.t("appName")}>
          {nav.map(([name, label]) => (
            <button
              key={name}
              type="button"
              aria-current={screen.name === name ? "page" : undefined}
              onClick={() => go({ name } as Screen)}
            >
              {label}
            </button>
          ))}
        </nav>
        {languagePicker}
        <span className="who">
          {words.t("signedInAs")} <strong>{session.label}</strong>
        </span>
        <button type="button" className="link" onClick={() => void signOut()}>
          {words.t("signOut")}
        </button>
      </header>
      <main>
        {screen.name === "capture" && <CaptureScreen key={visit} docType={screen.docType} />}
        {screen.name === "documents" && <DocumentsScreen key={visit} />}
        {screen.name === "document" && <DocumentScreen key={visit} id={screen.id} />}
        {screen.name === "privacy" && (
          <PrivacyScreen
            key={visit}
            onAccountDeleted={(count) => void signOut({ text: words.t("accountDeleted", { count }) })}
          />
        )}
      </main>
      {live}
    </Context.Provider>
  );
}
