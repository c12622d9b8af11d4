// The browser's copy of the server's magic-byte check (videoshare/media/sniff.py): is the file
// a video container the service accepts at all? Passing means "worth sending", not "valid".

const SNIFF_BYTES = 64;
const EBML_MAGIC = [0x1a, 0x45, 0xdf, 0xa3]; // Matroska and WebM
const QUICKTIME_FIRST_BOXES = new Set(["moov", "mdat", "free", "wide", "skip"]);
// Major brands of ISO-BMFF files that hold still images (HEIF/HEIC, AVIF, JPEG in HEIF, ...).
const STILL_IMAGE_BRANDS = new Set([
  "heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs",
  "mif1", "mif2", "msf1", "avif", "avis", "avci", "avcs", "jpeg", "jpgs",
]);
const FTYP_MIN_SIZE = 16; // size + type + major brand + minor version

/** "iso-bmff", "matroska", or null for the first bytes of a file (a Uint8Array). */
export function sniffContainer(head) {
  if (EBML_MAGIC.every((byte, i) => head[i] === byte)) return "matroska";
  if (head.length < 8) return null;
  const boxSize = new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
  const boxType = ascii(head, 4, 8);
  if (boxType === "ftyp") {
    const video = boxSize >= FTYP_MIN_SIZE && boxSize % 4 === 0 && head.length >= 12;
    return video && !STILL_IMAGE_BRANDS.has(ascii(head, 8, 12)) ? "iso-bmff" : null;
  }
  if (QUICKTIME_FIRST_BOXES.has(boxType) && (boxSize <= 1 || boxSize >= 8)) return "iso-bmff";
  return null;
}

/** The container family of a File, from its first bytes (null: not a video we take). */
export async function sniffFile(file) {
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  return sniffContainer(head);
}

function ascii(bytes, start, end) {
  return String.fromCharCode(...bytes.subarray(start, end));
}
