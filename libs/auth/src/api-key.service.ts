import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DomainError, ErrorCode } from '@fjord/common';
import { ApiKeyListRow, ApiKeyRepository } from './api-key.repository';
import { Principal } from './principal';

export const ENV_ADMIN_KEY_ID = 'admin-env';
export const GENERATED_ADMIN_KEY_ID = 'admin-generated';

/** A key as the key endpoints list it: never its secret or hash. */
export interface ApiKeySummary {
  id: string;
  kind: 'admin' | 'bot';
  description: string;
  bot_ids: string[];
  /** Unix milliseconds; null for keys that do not expire (admin keys). */
  expire_time: number | null;
  create_time: number;
}

function toSummary(row: ApiKeyListRow): ApiKeySummary {
  return {
    id: row.id,
    kind: row.kind,
    description: row.description,
    bot_ids: row.bot_ids,
    expire_time: row.expires_at ? row.expires_at.getTime() : null,
    create_time: row.created_at.getTime(),
  };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

@Injectable()
export class ApiKeyService {
  private readonly logger = new Logger(ApiKeyService.name);

  constructor(
    private readonly keys: ApiKeyRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * ADMIN_API_KEY wins when set, and a key generated earlier stops working (rotation: set the variable
   * and restart). Otherwise the first start generates a key, stores only its hash, prints it once and
   * writes it to DATA_DIR/admin-key (0600). Returns the key only when generated now.
   */
  async ensureAdminKey(): Promise<string | undefined> {
    if (this.config.adminApiKey) {
      await this.keys.upsertAdmin(ENV_ADMIN_KEY_ID, hashApiKey(this.config.adminApiKey));
      if (await this.keys.delete(GENERATED_ADMIN_KEY_ID)) {
        rmSync(join(this.config.dataDir, 'admin-key'), { force: true });
        this.logger.log('ADMIN_API_KEY is set: the generated admin key was revoked');
      }
      return undefined;
    }
    if ((await this.keys.countAdmins()) > 0) return undefined;
    const key = newSecret('fjord-admin-');
    if (!(await this.keys.insertIfAbsent({ id: GENERATED_ADMIN_KEY_ID, keyHash: hashApiKey(key), kind: 'admin' }))) {
      return undefined;
    }
    mkdirSync(this.config.dataDir, { recursive: true });
    const file = join(this.config.dataDir, 'admin-key');
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    // Printed once, on stdout, by design (api.md): this is the only time the key exists in clear.
    process.stdout.write(`\nfjord admin API key (shown once, also saved to ${file}):\n  ${key}\n\n`);
    this.logger.log(`generated an admin API key; saved to ${file}`);
    return key;
  }

  /** Resolves a bearer key to a principal, or throws Unauthorized. */
  async authenticate(key: string | undefined, now = new Date()): Promise<Principal> {
    if (!key) throw new DomainError(ErrorCode.Unauthorized, 'missing API key: send Authorization: Bearer <key>');
    const keyHash = hashApiKey(key);
    const row = await this.keys.findByHash(keyHash);
    // The lookup is by hash, so timing reveals nothing about the key; compare anyway, constant-time.
    if (!row || !timingSafeEqual(Buffer.from(row.key_hash, 'hex'), Buffer.from(keyHash, 'hex'))) {
      throw new DomainError(ErrorCode.Unauthorized, 'invalid API key');
    }
    if (row.kind === 'admin') return { kind: 'admin', keyId: row.id };
    // Scoped keys always carry an expiry; one without is refused rather than trusted forever.
    const expiresAt = row.expires_at;
    if (!expiresAt || expiresAt.getTime() <= now.getTime()) throw new DomainError(ErrorCode.Unauthorized, 'API key has expired');
    return { kind: 'bot', keyId: row.id, botIds: row.bot_ids, expiresAt };
  }

  /** Deletes scoped keys past their expiry (they are already refused; this keeps the table small). */
  async sweepExpired(now = new Date()): Promise<number> {
    return this.keys.deleteExpired(now);
  }

  /** A new admin key (for rotation: mint one, move clients to it, revoke the old one). Shown once. */
  async mintAdminKey(description = ''): Promise<{ key: string; summary: ApiKeySummary }> {
    const key = newSecret('fjord-admin-');
    const id = `key-${randomBytes(8).toString('hex')}`;
    await this.keys.insertIfAbsent({ id, keyHash: hashApiKey(key), kind: 'admin', description });
    const summary = (await this.keys.list()).find((row) => row.id === id);
    if (!summary) throw new DomainError(ErrorCode.Internal, 'the new key was not stored');
    return { key, summary: toSummary(summary) };
  }

  async list(): Promise<ApiKeySummary[]> {
    return (await this.keys.list()).map(toSummary);
  }

  /** Revokes an admin or temporary key at once (every process looks keys up per request). */
  async revoke(id: string): Promise<void> {
    if (id === ENV_ADMIN_KEY_ID) {
      throw DomainError.invalid('the admin key from ADMIN_API_KEY is revoked by changing the variable and restarting');
    }
    if (!(await this.keys.delete(id))) throw new DomainError(ErrorCode.RouteNotFound, `API key ${id} does not exist`);
  }

  /** A temporary key that may chat only with `botIds` until `expiresAt` (GetApiKey). */
  async mintBotKey(botIds: string[], expiresAt: Date): Promise<string> {
    const key = newSecret('fjord-bot-');
    await this.keys.insertIfAbsent({ id: `key-${randomBytes(8).toString('hex')}`, keyHash: hashApiKey(key), kind: 'bot', botIds, expiresAt });
    return key;
  }
}
