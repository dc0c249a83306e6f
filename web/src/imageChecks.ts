/**
 * Checks a photo before it leaves the phone: a file the API would refuse, or a photo too dark or too blurred to
 * read, costs the person an upload and a wait. Estimates only — the server's capture codes remain the judgement.
 *
 * Works on a grey image scaled to ~480 pixels wide (see `toGrey`), where the measures are stable across phone
 * sizes: mean luma for brightness and the variance of the 4-neighbour Laplacian for sharpness (the measure
 * OpenCV users call "variance of Laplacian").
 */

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
export const ACCEPTED_TYPES = ["image/jpeg", "image/png"] as const;
/** Shorter side below this cannot hold a readable NIK in the card (the card fills at most the photo). */
export const MIN_SHORT_SIDE = 480;
export const DARK_BELOW = 60;
/**
 * Calibrated on the drawn sample set (devtools/samples, `make run`'s 13 cards): sharp photos measure 500-5600
 * (a blank card 500), their copies blurred with a Gaussian of sigma 6 px measure 3-16 (160 for a 3264 px photo,
 * whose blur is small once scaled to 480 px); the brightest good photo (a white NPWP card) averages 238 and the
 * darkest readable one 133. So: blurred below 40, too bright only above 245, too dark below 60.
 */
export const BRIGHT_ABOVE = 245;
export const BLURRY_BELOW = 40;

export type ClientCheck =
  | "file_too_large"
  | "unsupported_type"
  | "too_small_resolution"
  | "too_dark"
  | "too_bright"
  | "too_blurry";

export interface GreyImage {
  width: number;
  height: number;
  /** One byte of luma per pixel, row by row. */
  luma: Uint8Array | Uint8ClampedArray;
}

export function fileProblems(file: { size: number; type: string }): ClientCheck[] {
  const problems: ClientCheck[] = [];
  if (!(ACCEPTED_TYPES as readonly string[]).includes(file.type)) problems.push("unsupported_type");
  if (file.size > MAX_UPLOAD_BYTES) problems.push("file_too_large");
  return problems;
}

/** RGBA pixels (a canvas's ImageData) to luma, BT.601 weights in integers. */
export function toGrey(rgba: Uint8ClampedArray, width: number, height: number): GreyImage {
  const luma = new Uint8Array(width * height);
  for (let i = 0, p = 0; p < luma.length; i += 4, p += 1) {
    luma[p] = (77 * rgba[i]! + 150 * rgba[i + 1]! + 29 * rgba[i + 2]!) >> 8;
  }
  return { width, height, luma };
}

export function meanBrightness(image: GreyImage): number {
  let sum = 0;
  for (const value of image.luma) sum += value;
  return image.luma.length ? sum / image.luma.length : 0;
}

export function laplacianVariance(image: GreyImage): number {
  const { width, height, luma } = image;
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y += 1) {
    for (let x = 1; x < width - 1; x += 1) {
      const c = y * width + x;
      const value = luma[c - 1]! + luma[c + 1]! + luma[c - width]! + luma[c + width]! - 4 * luma[c]!;
      sum += value;
      sumSq += value * value;
      n += 1;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

export interface PhotoMeasures {
  brightness: number;
  sharpness: number;
}

export function measure(image: GreyImage): PhotoMeasures {
  return { brightness: meanBrightness(image), sharpness: laplacianVariance(image) };
}

/** What to tell the person before upload; an empty list means "looks fine, send it". */
export function photoProblems(
  measures: PhotoMeasures,
  size: { width: number; height: number },
): ClientCheck[] {
  const problems: ClientCheck[] = [];
  if (Math.min(size.width, size.height) < MIN_SHORT_SIDE) problems.push("too_small_resolution");
  if (measures.brightness < DARK_BELOW) problems.push("too_dark");
  else if (measures.brightness > BRIGHT_ABOVE) problems.push("too_bright");
  if (measures.sharpness < BLURRY_BELOW) problems.push("too_blurry");
  return problems;
}

/** The size the measures are taken at: ~480 px wide whatever the phone's camera delivers. */
export function analysisSize(width: number, height: number, target = 480): { width: number; height: number } {
  const scale = Math.min(1, target / Math.max(1, width));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
