import yauzl from 'yauzl';
import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';

/** More entries than any real office file or e-book has; a zip of millions of tiny files is a bomb too. */
const MAX_ZIP_ENTRIES = 20_000;

/**
 * Reads a zip's central directory (no inflation) and refuses a file whose entries declare more
 * than `maxBytes` in total, before a parser inflates them. An entry that lies about its size is
 * caught by the parser sandbox's memory cap instead.
 */
export async function assertZipWithinLimit(bytes: Buffer, maxBytes: number, label: string): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true, autoClose: false }, (error, zipFile) => (error ? reject(error) : resolve(zipFile))),
  ).catch((error: Error) => {
    throw new PermanentError(FailedCode.Corrupt, `${label} could not be read: not a valid zip archive (${error.message})`);
  });
  try {
    if (zip.entryCount > MAX_ZIP_ENTRIES) {
      throw new PermanentError(FailedCode.TooLarge, `${label} holds ${zip.entryCount} files; at most ${MAX_ZIP_ENTRIES} are accepted`);
    }
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        total += entry.uncompressedSize;
        if (total > maxBytes) {
          reject(
            new PermanentError(
              FailedCode.TooLarge,
              `${label} unpacks to more than ${formatBytes(maxBytes)} (MAX_DECOMPRESSED_BYTES); it may be a zip bomb`,
            ),
          );
          return;
        }
        zip.readEntry();
      });
      zip.on('end', () => resolve());
      zip.on('error', (error: Error) => reject(new PermanentError(FailedCode.Corrupt, `${label} could not be read: ${error.message}`)));
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024) return `${+(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 * 1024) return `${+(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
