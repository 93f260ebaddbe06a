/**
 * The zip-bomb guard of the XLSForm import: an .xlsx is a ZIP archive, and exceljs inflates every part in memory, so
 * the sizes its central directory declares are read first.
 */

/** The most an .xlsx may unpack to: a form's XML is a few hundred kilobytes; a zip bomb is refused before reading. */
export const MAX_UNZIPPED_BYTES = 40 * 1024 * 1024;

/**
 * The uncompressed size a ZIP archive declares in its central directory, or undefined when it has none readable.
 * exceljs inflates every part in memory, so this is checked first.
 */
export function declaredUnzippedSize(zip: Buffer): number | undefined {
  // The end of central directory record: signature, then the entry count at +10 and the directory's offset at +16.
  const from = Math.max(0, zip.length - 65_557);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < from || end + 22 > zip.length) return undefined;
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== 0x02014b50) return undefined;
    total += zip.readUInt32LE(at + 24);
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return total;
}
