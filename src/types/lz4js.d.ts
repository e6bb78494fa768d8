// lz4js ships no types; the two functions modelgate uses (LZ4 frame format, as joblib writes it).
declare module 'lz4js' {
  const lz4: {
    /** The frame's declared content size, or an upper bound from its blocks. */
    decompressBound(src: Uint8Array): number;
    decompress(src: Uint8Array, maxSize?: number): Uint8Array;
  };
  export default lz4;
}
