/**
 * Photos and recordings on the tablet: a photo is made smaller in the browser (its longest side at most 1600 px, as
 * a JPEG) before it is kept, so a day of photos fits the device and the uplink; each file is kept under its SHA-256
 * (crypto.subtle), the name the server checks it against (PUT /api/v1/field/files/:sha256).
 */
import { keepFile } from "./store.ts";

/** The longest side of a kept photo, in pixels. */
export const PHOTO_SIDE = 1600;

/** The SHA-256 of a Blob, in hex. */
export async function sha256Of(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A photo at most PHOTO_SIDE on its longest side, as a JPEG; the file itself when it cannot be decoded. */
async function downscaled(file: File): Promise<Blob> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return file;
  }
  const scale = Math.min(1, PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d")?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.82));
  return blob ?? file;
}

/** Keeps the chosen files (photos made smaller first); resolves with their SHA-256, in order. */
export async function keepChosenFiles(files: FileList | File[], kind: "photo" | "audio"): Promise<string[]> {
  const out: string[] = [];
  for (const file of Array.from(files)) {
    const blob = kind === "photo" ? await downscaled(file) : file;
    const sha = await sha256Of(blob);
    await keepFile(sha, blob);
    out.push(sha);
  }
  return out;
}

/** The device's position, or undefined when refused, unavailable or too slow (the answer is kept without it). */
export function currentPlace(
  timeoutMs = 10_000,
): Promise<{ lat: number; lng: number; accuracy?: number } | undefined> {
  if (typeof navigator === "undefined" || !navigator.geolocation) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs + 1000);
    navigator.geolocation.getCurrentPosition(
      (p) => {
        clearTimeout(timer);
        resolve({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy: Math.round(p.coords.accuracy) });
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60_000 },
    );
  });
}
