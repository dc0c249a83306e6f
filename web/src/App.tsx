import { useCallback, useEffect, useMemo, useState } from "react";
import type { UserManager } from "oidc-client-ts";

import { Api } from "./api";
import { devSession, isSigninCallback, oidcManager, oidcSession, type Session } from "./auth";
import { loadConfig, type AppConfig } from "./config";
import { Context, type Screen } from "./context";
import { LANGS, preferredLang, words as wordsFor, type Lang } from "./i18n";
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
  const go = useCallback((next: Screen) => {
    setScreen(next);
    setVisit((n) => n + 1);
  }, []);
  const [notice, setNotice] = useState<string | null>(null);

  const api = useMemo(
    () => (boot.state === "ready" && session ? new Api(boot.config.apiUrl, session) : null),
    [boot, session],
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
            const user = await oidc.signinRedirectCallback();
            window.history.replaceState(null, "", "/"); // the code and state leave the address bar
            setSession(oidcSession(oidc, user));
          }
        }
        setBoot({ state: "ready", config });
      })
      .catch((error: unknown) => setBoot({ state: "broken", detail: String(error) }));
  }, []);

  const signOut = useCallback(
    async (message: string | null = null) => {
      await session?.signOut();
      setSession(null);
      go({ name: "capture" });
      setNotice(message);
    },
    [session, go],
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
          notice={notice}
          onDev={(user) => {
            setNotice(null);
            setSession(devSession(user));
          }}
          onOidc={() => manager?.signinRedirect()}
        />
      </>
    );
  }

  const context = { words, api, go };
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
        {screen.name === "document" && <DocumentScreen key={screen.id} id={screen.id} />}
        {screen.name === "privacy" && (
          <PrivacyScreen onAccountDeleted={(count) => void signOut(words.t("accountDeleted", { count }))} />
        )}
      </main>
    </Context.Provider>
  );
}
