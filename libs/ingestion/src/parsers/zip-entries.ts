import yauzl from 'yauzl';
import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import { assertZipWithinLimit } from './zip-guard';

/**
 * The entries of a zip-based office file that `wanted` picks, inflated. The declared sizes are
 * checked first (assertZipWithinLimit); while inflating, yauzl stops an entry as soon as it yields
 * more bytes than it declared, so what is inflated never exceeds what was checked.
 */
export async function readZipEntries(
  bytes: Buffer,
  maxBytes: number,
  label: string,
  wanted: (name: string) => boolean,
): Promise<Map<string, Buffer>> {
  await assertZipWithinLimit(bytes, maxBytes, label);
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (error, zipFile) =>
      error ? reject(error) : resolve(zipFile),
    ),
  );
  const corrupt = (error: Error): PermanentError => new PermanentError(FailedCode.Corrupt, `${label} could not be read: ${error.message}`);
  const entries = new Map<string, Buffer>();
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/') || !wanted(entry.fileName)) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (error, stream) => {
          if (error) return reject(corrupt(error));
          const parts: Buffer[] = [];
          stream.on('data', (part: Buffer) => parts.push(part));
          stream.on('error', (streamError: Error) => reject(corrupt(streamError)));
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(parts));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve());
      zip.on('error', (error: Error) => reject(corrupt(error)));
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return entries;
}
