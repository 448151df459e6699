/**
 * Why a page could not be read. Callers decide what is permanent: `unavailable` and `unreadable`
 * will fail again on retry, `timeout` and `crashed` may not.
 */
export type OcrErrorKind = 'unavailable' | 'unreadable' | 'timeout' | 'crashed' | 'closed';

export class OcrError extends Error {
  constructor(
    readonly kind: OcrErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OcrError';
  }

  get permanent(): boolean {
    return this.kind === 'unavailable' || this.kind === 'unreadable';
  }
}
