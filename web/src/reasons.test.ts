import { describe, expect, it } from "vitest";

import type { Reason } from "./api";
import { byState, reasonState } from "./reasons";

const reason = (code: string, points: number, max_points: number, blocking = false): Reason => ({
  code, points, max_points, blocking, detail: "",
});

describe("reason states", () => {
  it("reads full points and a passed zero-point check as met", () => {
    expect(reasonState(reason("nik_valid", 20, 20))).toBe("met");
    expect(reasonState(reason("nik_font_ocr_a", 0, 0))).toBe("met");
  });

  it("reads some of the points as partly met, none or a penalty as a problem", () => {
    expect(reasonState(reason("ocr_confidence", 17.6, 20))).toBe("partly");
    expect(reasonState(reason("fields_present", 0, 30))).toBe("problem");
    expect(reasonState(reason("nik_province_differs", -10, 0))).toBe("problem");
  });

  it("reads anything blocking as a problem whatever its points", () => {
    expect(reasonState(reason("nik_font_mismatch", 0, 0, true))).toBe("problem");
    expect(reasonState(reason("claim_name_mismatch", -15, 0, true))).toBe("problem");
  });

  it("leaves the photo's capture codes to the advice", () => {
    const reasons = [reason("image_quality", 5, 15), reason("card_not_found", 0, 0), reason("glare_on_fields", 0, 0, true)];
    const listed = byState(reasons, [{ code: "card_not_found" }, { code: "glare_on_fields" }]);
    expect(listed.map((r) => r.code)).toEqual(["image_quality"]);
  });

  it("lists problems first, then partly met, then met", () => {
    const sorted = byState([reason("a", 10, 10), reason("b", 5, 10), reason("c", 0, 10)]);
    expect(sorted.map((r) => r.code)).toEqual(["c", "b", "a"]);
  });
});
