import { createContext, useContext } from "react";

import type { Api } from "./api";
import type { Words } from "./i18n";

export interface AppContext {
  words: Words;
  api: Api;
  /** Go to a screen; a document is named by id in memory, never in the address bar. */
  go: (screen: Screen) => void;
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
