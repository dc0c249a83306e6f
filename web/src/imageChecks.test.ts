import { describe, expect, it } from "vitest";

import {
  analysisSize,
  fileProblems,
  laplacianVariance,
  MAX_UPLOAD_BYTES,
  meanBrightness,
  measure,
  photoProblems,
  toGrey,
  type GreyImage,
} from "./imageChecks";

function image(width: number, height: number, pixel: (x: number, y: number) => number): GreyImage {
  const luma = new Uint8Array(width * height);
  for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) luma[y * width + x] = pixel(x, y);
  return { width, height, luma };
}

/** Card-like content: dark strokes of text on a light background. */
const text = (x: number, y: number) => ((x % 9 < 2 && y % 14 < 10) || (y % 14 === 5 && x % 40 < 30) ? 30 : 210);

function boxBlur(source: GreyImage, radius: number): GreyImage {
  return image(source.width, source.height, (x, y) => {
    let sum = 0;
    let n = 0;
    for (let dy = -radius; dy <= radius; dy += 1) {
      for (let dx = -radius; dx <= radius; dx += 1) {
        const xx = Math.min(source.width - 1, Math.max(0, x + dx));
        const yy = Math.min(source.height - 1, Math.max(0, y + dy));
        sum += source.luma[yy * source.width + xx]!;
        n += 1;
      }
    }
    return Math.round(sum / n);
  });
}

describe("file checks", () => {
  it("accepts a JPEG or PNG under 10 MB", () => {
    expect(fileProblems({ size: 2_000_000, type: "image/jpeg" })).toEqual([]);
    expect(fileProblems({ size: 2_000_000, type: "image/png" })).toEqual([]);
  });

  it("names each problem the API would refuse", () => {
    expect(fileProblems({ size: MAX_UPLOAD_BYTES + 1, type: "image/heic" })).toEqual([
      "unsupported_type",
      "file_too_large",
    ]);
  });
});

describe("photo measures", () => {
  const sharp = image(480, 300, text);

  it("reads sharp text as sharp and a blurred copy as blurred", () => {
    const blurred = boxBlur(sharp, 10); // a 21-pixel smear: a shaken hand at 480 px
    expect(laplacianVariance(sharp)).toBeGreaterThan(1000);
    expect(laplacianVariance(blurred)).toBeLessThan(laplacianVariance(sharp) / 10);
    expect(photoProblems(measure(blurred), { width: 1600, height: 1000 })).toContain("too_blurry");
    expect(photoProblems(measure(sharp), { width: 1600, height: 1000 })).toEqual([]);
  });

  it("tells a dark photo and an overexposed one apart from a good one", () => {
    const dark = image(480, 300, (x, y) => Math.round(text(x, y) / 5));
    const bright = image(480, 300, (x, y) => (text(x, y) === 30 ? 240 : 252));
    expect(photoProblems(measure(dark), { width: 1600, height: 1000 })).toContain("too_dark");
    expect(photoProblems(measure(bright), { width: 1600, height: 1000 })).toContain("too_bright");
  });

  it("flags a photo too small to hold a readable NIK", () => {
    expect(photoProblems(measure(sharp), { width: 640, height: 360 })).toEqual(["too_small_resolution"]);
  });

  it("converts RGBA to luma with the BT.601 weights", () => {
    const rgba = new Uint8ClampedArray([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]);
    const grey = toGrey(rgba, 4, 1);
    expect(Array.from(grey.luma)).toEqual([76, 149, 28, 255]);
    expect(meanBrightness(grey)).toBeCloseTo((76 + 149 + 28 + 255) / 4);
  });

  it("measures at ~480 px whatever the camera delivers, never upscaling", () => {
    expect(analysisSize(4032, 3024)).toEqual({ width: 480, height: 360 });
    expect(analysisSize(320, 240)).toEqual({ width: 320, height: 240 });
  });
});
