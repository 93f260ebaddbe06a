/**
 * The backup archive's container: a plain POSIX ustar file, so an operator can list or unpack a backup with `tar`
 * when this program is not at hand. Only regular files with names under 100 bytes are written (every name we
 * store is short: `manifest.json`, `database.tar.gz`, `attachments/ab/<sha256>`); entries are read back by offset,
 * so an attachment is never held in memory with the rest.
 */
import { type FileHandle, open } from "node:fs/promises";

const BLOCK = 512;
const MAX_SIZE = 8 ** 11 - 1; // what 11 octal digits hold: 8 GiB

/** One file inside an archive: where its bytes start and how many there are. */
export interface TarEntry {
  name: string;
  offset: number;
  size: number;
}

/** Writes entries one after another into a new file; `close()` adds the two zero blocks that end an archive. */
export async function createTarWriter(path: string) {
  const file = await open(path, "wx", 0o600);
  const mtime = Math.floor(Date.now() / 1000);
  return {
    async add(name: string, content: Buffer): Promise<void> {
      await file.write(header(name, content.length, mtime));
      await file.write(content);
      const pad = (BLOCK - (content.length % BLOCK)) % BLOCK;
      if (pad > 0) await file.write(Buffer.alloc(pad));
    },
    async close(): Promise<void> {
      await file.write(Buffer.alloc(BLOCK * 2));
      await file.sync();
      await file.close();
    },
    abort: () => file.close(),
  };
}

function header(name: string, size: number, mtime: number): Buffer {
  if (Buffer.byteLength(name) >= 100) throw new Error(`name too long for the archive: ${name}`);
  if (size > MAX_SIZE) throw new Error(`file too large for the archive: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, "utf8");
  h.write("0000600\0", 100, "ascii"); // mode
  h.write("0000000\0", 108, "ascii"); // uid
  h.write("0000000\0", 116, "ascii"); // gid
  h.write(`${size.toString(8).padStart(11, "0")}\0`, 124, "ascii");
  h.write(`${mtime.toString(8).padStart(11, "0")}\0`, 136, "ascii");
  h.write("        ", 148, "ascii"); // the checksum counts its own field as spaces
  h.write("0", 156, "ascii"); // a regular file
  h.write("ustar\0" + "00", 257, "ascii");
  h.write(`${checksum(h).toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return h;
}

function checksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (block[i] as number);
  return sum;
}

/** Lists the regular files of an archive by reading its headers only; throws on a header that is not ustar. */
export async function readTarIndex(file: FileHandle): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const size = (await file.stat()).size;
  const h = Buffer.alloc(BLOCK);
  let position = 0;
  while (position + BLOCK <= size) {
    await file.read(h, 0, BLOCK, position);
    if (h.every((b) => b === 0)) break;
    const stored = Number.parseInt(h.toString("ascii", 148, 156).replace(/\0.*$/, "").trim(), 8);
    if (stored !== checksum(h)) throw new Error(`not a backup archive (bad header at byte ${position})`);
    const name = h.toString("utf8", 0, 100).replace(/\0.*$/s, "");
    const entrySize = Number.parseInt(h.toString("ascii", 124, 136).replace(/\0.*$/, "").trim(), 8);
    const type = h.toString("ascii", 156, 157);
    if (type === "0" || type === "\0") entries.push({ name, offset: position + BLOCK, size: entrySize });
    position += BLOCK + Math.ceil(entrySize / BLOCK) * BLOCK;
  }
  return entries;
}

/** Reads one entry's bytes. */
export async function readTarEntry(file: FileHandle, entry: TarEntry): Promise<Buffer> {
  const content = Buffer.alloc(entry.size);
  const { bytesRead } = await file.read(content, 0, entry.size, entry.offset);
  if (bytesRead !== entry.size) throw new Error(`archive cut short inside ${entry.name}`);
  return content;
}
