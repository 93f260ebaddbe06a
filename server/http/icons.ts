/**
 * The portal's app icons, drawn here rather than kept as binary files: an SVG, and PNGs (which installability needs)
 * encoded with node:zlib — a blue square with a white map pin.
 */
import { deflateSync } from "node:zlib";

/** The SVG icon (any size, maskable: the pin stays inside the safe zone). */
export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><rect width="512" height="512" fill="#0b4ea2"/><path d="M256 104a104 104 0 0 0-104 104c0 78 104 200 104 200s104-122 104-200a104 104 0 0 0-104-104zm0 144a40 40 0 1 1 0-80 40 40 0 0 1 0 80z" fill="#fff"/></svg>`;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

// Inside the pin: a disc on top and a triangle below it, with a hole, in units of the icon's size.
function isPin(x: number, y: number): boolean {
  const dx = x - 0.5;
  const dy = y - 0.406;
  const r = Math.hypot(dx, dy);
  if (r < 0.078) return false;
  if (r <= 0.203) return true;
  return y > 0.406 && y < 0.8 && Math.abs(dx) < 0.203 * (1 - (y - 0.406) / 0.394);
}

const cache = new Map<number, Buffer>();

/** A square PNG icon of `size` pixels. */
export function iconPng(size: number): Buffer {
  const hit = cache.get(size);
  if (hit) return hit;
  const rows = Buffer.alloc(size * (size * 3 + 1));
  for (let y = 0; y < size; y++) {
    const row = y * (size * 3 + 1);
    for (let x = 0; x < size; x++) {
      const white = isPin((x + 0.5) / size, (y + 0.5) / size);
      rows.set(white ? [255, 255, 255] : [11, 78, 162], row + 1 + x * 3);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
  cache.set(size, png);
  return png;
}
