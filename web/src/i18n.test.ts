import { describe, expect, it } from "vitest";

import { KNOWN, preferredLang, words } from "./i18n";

describe("both languages", () => {
  it.each(Object.entries(KNOWN))("know the same %s", (_name, table) => {
    const byLang = table as Record<string, Record<string, string>>;
    expect(Object.keys(byLang.id ?? {}).sort()).toEqual(Object.keys(byLang.en ?? {}).sort());
    for (const lang of ["id", "en"]) {
      for (const value of Object.values(byLang[lang] ?? {})) expect(value.trim()).not.toBe("");
    }
  });

  it("fill values into sentences", () => {
    expect(words("en").t("exported", { count: 3 })).toBe("Your data was downloaded (3 documents).");
    expect(words("id").t("accountDeleted", { count: 2 })).toContain("2 dokumen");
  });

  it("fall back to a neutral sentence for a code the app does not know yet", () => {
    expect(words("en").reason("new_check")).toBe("Check new_check");
    expect(words("id").advice("new_capture")).toContain("new_capture");
    expect(words("en").status("archived")).toBe("archived");
  });
});

describe("preferredLang", () => {
  it("takes the first language the app speaks, else Indonesian", () => {
    expect(preferredLang(["en-GB", "id"])).toBe("en");
    expect(preferredLang(["id-ID"])).toBe("id");
    expect(preferredLang(["fr-FR", "de"])).toBe("id");
  });
});
