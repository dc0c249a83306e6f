import { useEffect, useRef, useState, type FormEvent } from "react";

import { DEV_USER_PATTERN } from "../auth";
import type { AuthConfig } from "../config";
import type { Words } from "../i18n";

interface Props {
  words: Words;
  auth: AuthConfig;
  notice: string | null;
  onDev: (user: string) => void;
  onOidc: () => void;
}

export function SignInScreen({ words, auth, notice, onDev, onOidc }: Props) {
  const [user, setUser] = useState("");
  const valid = DEV_USER_PATTERN.test(user);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (valid) onDev(user);
  };
  return (
    <main>
      <h1 ref={heading} tabIndex={-1}>
        {words.t("signInTitle")}
      </h1>
      <p>{words.t("tagline")}</p>
      {notice && (
        <p className="notice" role="alert">
          {notice}
        </p>
      )}
      {auth.mode === "oidc" ? (
        <button type="button" className="primary" onClick={onOidc}>
          {words.t("signInOidc")}
        </button>
      ) : (
        <form onSubmit={submit}>
          <label htmlFor="dev-user">{words.t("signInDev")}</label>
          <input
            id="dev-user"
            name="user"
            autoComplete="username"
            value={user}
            onChange={(event) => setUser(event.target.value)}
            aria-describedby="dev-user-help"
            required
            pattern="[A-Za-z0-9_\-]{1,64}"
          />
          <p id="dev-user-help" className="help">
            {words.t("signInDevHelp")}
          </p>
          <button type="submit" className="primary" disabled={!valid}>
            {words.t("signIn")}
          </button>
        </form>
      )}
    </main>
  );
}
