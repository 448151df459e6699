import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@fjord/config';
import { createApiApp } from './create-api-app';
import { buildOpenApiDocument } from './http/openapi-document';

/**
 * Writes fjord's OpenAPI document to a file (default: stdout), for the console's generated client.
 * The app is built on a throw-away embedded database; nothing is served.
 */
async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fjord-openapi-'));
  const app = await createApiApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
  try {
    const json = `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
    if (process.argv[2]) writeFileSync(process.argv[2], json);
    else process.stdout.write(json);
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
