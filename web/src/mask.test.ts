import { describe, expect, it } from "vitest";

import { maskDate, maskedFields, maskNumber } from "./mask";

describe("masking", () => {
  it("shows only the first and last four digits of a NIK", () => {
    expect(maskNumber("3171234567890001")).toBe("3171 •••• •••• 0001");
  });

  it("masks an NPWP with its punctuation", () => {
    expect(maskNumber("09.254.294.3-407.000")).toBe("0925 •••• ••• 7000");
  });

  it("hides a short number entirely", () => {
    expect(maskNumber("1234")).toBe("••••");
  });

  it("keeps a birth date's year only", () => {
    expect(maskDate("17-08-1990")).toBe("••-••-1990");
  });

  it("orders the identity number first and never returns a full NIK", () => {
    const shown = maskedFields({ name: "BUDI SANTOSO", nik: "3171234567890001", birth_date: "17-08-1990" });
    expect(shown.map((field) => field.name)).toEqual(["nik", "name", "birth_date"]);
    expect(JSON.stringify(shown)).not.toContain("3171234567890001");
    expect(shown[1]?.value).toBe("BUDI SANTOSO");
  });
});
