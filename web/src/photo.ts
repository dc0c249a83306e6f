/** Browser glue for the checks in imageChecks.ts: decode a photo, scale it down, measure it. */

import { analysisSize, fileProblems, measure, photoProblems, toGrey, type ClientCheck } from "./imageChecks";

export interface CheckedPhoto {
  blob: Blob;
  fileName: string;
  url: string;
  width: number;
  height: number;
  problems: ClientCheck[];
}

export async function checkPhoto(blob: Blob, fileName: string): Promise<CheckedPhoto> {
  const url = URL.createObjectURL(blob);
  const early = fileProblems({ size: blob.size, type: blob.type });
  if (early.includes("unsupported_type")) return { blob, fileName, url, width: 0, height: 0, problems: early };
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch {
    return { blob, fileName, url, width: 0, height: 0, problems: [...early, "unsupported_type"] };
  }
  const size = analysisSize(bitmap.width, bitmap.height);
  const canvas = document.createElement("canvas");
  canvas.width = size.width;
  canvas.height = size.height;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (!context) return { blob, fileName, url, width: bitmap.width, height: bitmap.height, problems: early };
  context.drawImage(bitmap, 0, 0, size.width, size.height);
  const pixels = context.getImageData(0, 0, size.width, size.height);
  const problems = [
    ...early,
    ...photoProblems(measure(toGrey(pixels.data, size.width, size.height)), bitmap),
  ];
  const checked = { blob, fileName, url, width: bitmap.width, height: bitmap.height, problems };
  bitmap.close();
  return checked;
}
