import { createContext, useContext, useEffect, useRef } from "react";

import type { Api } from "./api";
import type { Words } from "./i18n";

export interface AppContext {
  words: Words;
  api: Api;
  /** Go to a screen; a document is named by id in memory, never in the address bar. */
  go: (screen: Screen) => void;
  /** Say something to a screen reader user (the app's one live region): a status change, a result. */
  announce: (text: string) => void;
}

export type Screen =
  | { name: "capture"; docType?: "ktp" | "npwp" }
  | { name: "documents" }
  | { name: "document"; id: string }
  | { name: "privacy" };

export const Context = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const value = useContext(Context);
  if (!value) throw new Error("useApp outside the app");
  return value;
}

/**
 * The screen's heading, focused when the screen appears: the button that led here is usually gone, and focus
 * left on <body> would make a keyboard or screen reader user start again from the top, unaware of the change.
 */
export function useScreenHeading<T extends HTMLElement>() {
  const heading = useRef<T>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return heading;
}
