declare module 'bmp-js' {
  /** Pixels as A, B, G, R bytes (alpha is always 0). */
  export function decode(bmp: Buffer): { width: number; height: number; data: Buffer };
  /** Takes pixels in the same A, B, G, R order. */
  export function encode(image: { width: number; height: number; data: Buffer }): { data: Buffer };
}
