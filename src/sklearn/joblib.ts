// Reading a scikit-learn model file: a plain pickle, or a joblib file (a pickle whose arrays follow
// their wrappers as raw bytes), either one compressed whole with zlib, gzip, xz or lz4. Decompression
// is bounded.
import { gunzipSync, inflateSync } from 'node:zlib';
import lz4 from 'lz4js';
import xz from 'xz-decompress';
import { PickleFormatError, PickleLimitError } from './errors.js';
import { arrayFrom, elementCount } from './numpy.js';
import { ByteReader, type PickleHooks, type PickleLimits, unpickle } from './pickle.js';
import { DTypeValue, NdArray, PyObject, PyTuple, type PyValue } from './values.js';

/** The most bytes a compressed file may expand to, whatever its size. */
export const MAX_EXPANDED_BYTES = 2 * 1024 ** 3;
/**
 * How many times its own size a compressed file may expand to (below MAX_EXPANDED_BYTES), or
 * MIN_EXPANSION_BOUND if more. scikit-learn models compress 3 to 5 times; a file of zeros, a
 * thousand times, which would cost gigabytes and seconds of decompression for a 300 KB file.
 */
export const EXPANSION_RATIO = 100;
export const MIN_EXPANSION_BOUND = 64 * 1024 ** 2;

/** What `compressed` bytes may expand to. */
function expansionBound(compressed: Uint8Array, maxExpanded: number): number {
  return Math.min(maxExpanded, Math.max(MIN_EXPANSION_BOUND, EXPANSION_RATIO * compressed.length));
}

const tooLarge = (bound: number) =>
  new PickleLimitError(
    `the file expands to more than ${bound} bytes (a compressed file may expand to ${EXPANSION_RATIO} times its size or 64 MiB, and never past 2 GiB)`,
  );

const startsWith = (b: Uint8Array, ...prefix: number[]) => prefix.every((v, i) => b[i] === v);

/** The compression a file's first bytes announce, as joblib writes them; 'none' for a bare pickle. */
export function compressionOf(
  b: Uint8Array,
): 'none' | 'zlib' | 'gzip' | 'bz2' | 'xz' | 'lzma' | 'lz4' | 'joblib<0.10' {
  if (startsWith(b, 0x1f, 0x8b)) return 'gzip';
  if (b.length > 1 && b[0] === 0x78 && ((b[0] << 8) | (b[1] as number)) % 31 === 0) return 'zlib';
  if (startsWith(b, 0x42, 0x5a, 0x68)) return 'bz2';
  if (startsWith(b, 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (startsWith(b, 0x5d, 0x00, 0x00)) return 'lzma';
  if (startsWith(b, 0x04, 0x22, 0x4d, 0x18)) return 'lz4';
  if (startsWith(b, 0x5a, 0x46)) return 'joblib<0.10';
  return 'none';
}

/** The file's pickle bytes: decompressed when joblib compressed it, within its expansion bound. */
export function pickleBytes(file: Uint8Array, maxExpanded = MAX_EXPANDED_BYTES): Uint8Array {
  const kind = compressionOf(file);
  const bound = expansionBound(file, maxExpanded);
  try {
    if (kind === 'gzip') return gunzipSync(file, { maxOutputLength: bound });
    if (kind === 'zlib') return inflateSync(file, { maxOutputLength: bound });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger/.test(e.message))
      throw tooLarge(bound);
    throw new PickleFormatError(`the ${kind} stream is damaged: ${e.message}`);
  }
  if (kind === 'joblib<0.10')
    throw new PickleFormatError(
      'a joblib file from before joblib 0.10 (arrays in separate files): load and save it again with a newer joblib',
    );
  if (
    kind === 'none' &&
    file[0] !== 0x80 &&
    !'(c]}ldNIFSVXKJMGUT)'.includes(String.fromCharCode(file[0] as number))
  )
    throw new PickleFormatError(
      `the file does not start like a pickle or joblib file (it starts with ${JSON.stringify(new TextDecoder('latin1').decode(file.subarray(0, 12)))})`,
    );
  if (kind === 'lz4') return unlz4(file, bound);
  if (kind === 'xz')
    throw new PickleFormatError('an xz-compressed file is read by loadModelFile, not readModelFile');
  if (kind !== 'none')
    throw new PickleFormatError(
      `the file is compressed with ${kind}, which modelgate cannot read; save it with joblib.dump(model, path, compress=3) (zlib), compress=('xz', 3), compress=('lz4', 3) or as a .gz file`,
    );
  return file;
}

/** An LZ4 frame decompressed (lz4js), refused when its header or blocks promise more than `maxExpanded` bytes. */
function unlz4(file: Uint8Array, maxExpanded: number): Uint8Array {
  let bound: number;
  try {
    bound = lz4.decompressBound(file);
  } catch (err) {
    throw new PickleFormatError(`the lz4 stream is damaged: ${(err as Error).message}`);
  }
  if (!Number.isSafeInteger(bound) || bound < 0 || bound > maxExpanded) throw tooLarge(maxExpanded);
  try {
    return lz4.decompress(file, bound);
  } catch (err) {
    throw new PickleFormatError(`the lz4 stream is damaged: ${(err as Error).message}`);
  }
}

/** An xz stream decompressed (WebAssembly XZ Embedded), stopping once it passes its expansion bound. */
export async function unxz(file: Uint8Array, maxExpanded = MAX_EXPANDED_BYTES): Promise<Uint8Array> {
  const bound = expansionBound(file, maxExpanded);
  const reader = new xz.XzReadableStream(new Blob([file as Uint8Array<ArrayBuffer>]).stream()).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > bound) {
        await reader.cancel();
        throw tooLarge(bound);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof PickleLimitError) throw err;
    throw new PickleFormatError(`the xz stream is damaged: ${(err as Error).message}`);
  }
  return Buffer.concat(chunks);
}

function stateValue(obj: PyObject, key: string): PyValue | undefined {
  return obj.dict?.get(key);
}

/**
 * joblib's NumpyArrayWrapper: its state says the array's dtype, shape and order, and the array's bytes
 * follow in the stream (after a padding length byte and padding since joblib 1.2; an object array is a
 * pickle of its own there, read within the same limits). The declared shape is bounded and checked
 * against the bytes left in the file before anything is allocated.
 */
function readWrappedArray(wrapper: PyObject, reader: ByteReader, readNested: () => PyValue): NdArray {
  const dtype = stateValue(wrapper, 'dtype');
  const shapeValue = stateValue(wrapper, 'shape');
  const order = stateValue(wrapper, 'order');
  if (!(dtype instanceof DTypeValue)) throw new PickleFormatError('a joblib array wrapper without a dtype');
  const shapeItems =
    shapeValue instanceof PyTuple ? shapeValue.items : Array.isArray(shapeValue) ? shapeValue : null;
  if (!shapeItems) throw new PickleFormatError('a joblib array wrapper without a shape');
  const shape = shapeItems.map((d) => (typeof d === 'bigint' ? Number(d) : d));
  if (!shape.every((d): d is number => typeof d === 'number'))
    throw new PickleFormatError('a joblib array wrapper with a malformed shape');
  const count = elementCount(shape);
  if (dtype.dtype.kind === 'O') {
    const inner = readNested();
    if (!(inner instanceof NdArray) || !inner.objects)
      throw new PickleFormatError('a joblib object array that is not an object array');
    if (inner.shape.length !== shape.length || inner.shape.some((d, i) => d !== shape[i]))
      throw new PickleFormatError(
        `a joblib object array declares shape (${shape.join(', ')}) and holds (${inner.shape.join(', ')})`,
      );
    return inner;
  }
  const alignment = stateValue(wrapper, 'numpy_array_alignment_bytes');
  if (alignment !== undefined && alignment !== null) {
    const padding = reader.byte();
    reader.take(padding, 'array padding');
  }
  const size = count * dtype.dtype.itemsize;
  if (size > reader.bytes.length - reader.pos)
    throw new PickleFormatError(
      `a joblib array of shape (${shape.join(', ')}) needs ${size} bytes; the file has ${reader.bytes.length - reader.pos} left`,
    );
  return arrayFrom(dtype.dtype, shape, order === 'F', reader.take(size, 'array data'));
}

const joblibHooks: PickleHooks = {
  afterBuild(obj, reader, readNested) {
    if (obj instanceof PyObject && obj.cls.name === 'NumpyArrayWrapper')
      return readWrappedArray(obj, reader, readNested);
    return undefined;
  },
};

/**
 * The value a scikit-learn model file holds, whatever compression joblib gave it that modelgate reads
 * (xz needs an asynchronous decoder; the others are read by readModelFile directly).
 */
export async function loadModelFile(file: Uint8Array, limits: Partial<PickleLimits> = {}): Promise<PyValue> {
  if (compressionOf(file) !== 'xz') return readModelFile(file, limits);
  const inner = await unxz(file);
  // One layer: a compressed stream inside would expand again, past the bound of the file itself.
  if (compressionOf(inner) !== 'none')
    throw new PickleFormatError(`an xz stream holding a ${compressionOf(inner)} stream, not a pickle`);
  return readModelFile(inner, limits);
}

/** The value a scikit-learn model file (pickle or joblib, uncompressed, zlib or gzip) holds. */
export function readModelFile(file: Uint8Array, limits: Partial<PickleLimits> = {}): PyValue {
  if (file.length === 0) throw new PickleFormatError('the file is empty');
  const reader = new ByteReader(pickleBytes(file));
  return unpickle(reader, { limits, hooks: joblibHooks });
}
