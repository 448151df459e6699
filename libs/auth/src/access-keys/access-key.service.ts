import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DomainError, ErrorCode } from '@fjord/common';
import { AccessKeyRepository } from './access-key.repository';
import { SecretBox } from './secret-box';

const SECRET_FILE = 'access-key-secret';

export interface AccessKeySummary {
  access_key_id: string;
  description: string;
  /** `config` for ACCESS_KEY_PAIRS (revoked by editing the variable), `minted` for pairs made through the API. */
  source: 'config' | 'minted';
  create_time: number | null;
}

export interface MintedAccessKey extends AccessKeySummary {
  secret_access_key: string;
}

/**
 * Volcengine access-key pairs: the configured ones (ACCESS_KEY_PAIRS) and those an admin mints. A minted
 * secret key is shown once and stored encrypted with the server secret (ACCESS_KEY_ENCRYPTION_KEY, or a
 * key generated into DATA_DIR/access-key-secret), never hashed: verifying a signature needs it in clear.
 */
@Injectable()
export class AccessKeyService {
  private box?: SecretBox;
  private readonly configured: Map<string, string>;

  constructor(
    private readonly keys: AccessKeyRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.configured = new Map(config.accessKeys.pairs.map((pair) => [pair.accessKeyId, pair.secretAccessKey]));
  }

  /** The secret key for an access key id, or undefined when the id is unknown (or was revoked). */
  async secretFor(accessKeyId: string): Promise<string | undefined> {
    const configured = this.configured.get(accessKeyId);
    if (configured !== undefined) return configured;
    const row = await this.keys.find(accessKeyId);
    if (!row) return undefined;
    const secret = this.secretBox().open(row.secret_ciphertext);
    if (secret === undefined) {
      throw new DomainError(ErrorCode.Unauthorized, `access key ${accessKeyId} cannot be verified: it was stored with another server secret (ACCESS_KEY_ENCRYPTION_KEY)`);
    }
    return secret;
  }

  async mint(description = ''): Promise<MintedAccessKey> {
    const accessKeyId = `AKFJ${randomBytes(15).toString('hex').toUpperCase()}`;
    const secret = randomBytes(30).toString('base64url');
    const row = await this.keys.insert({ accessKeyId, secretCiphertext: this.secretBox().seal(secret), description });
    return { access_key_id: accessKeyId, secret_access_key: secret, description, source: 'minted', create_time: row.created_at.getTime() };
  }

  async list(): Promise<AccessKeySummary[]> {
    const fromConfig: AccessKeySummary[] = [...this.configured.keys()].map((id) => ({ access_key_id: id, description: 'ACCESS_KEY_PAIRS', source: 'config', create_time: null }));
    const minted = (await this.keys.list()).map((row): AccessKeySummary => ({
      access_key_id: row.access_key_id,
      description: row.description,
      source: 'minted',
      create_time: row.created_at.getTime(),
    }));
    return [...fromConfig, ...minted];
  }

  async revoke(accessKeyId: string): Promise<void> {
    if (this.configured.has(accessKeyId)) {
      throw DomainError.invalid(`access key ${accessKeyId} comes from ACCESS_KEY_PAIRS: remove it there and restart to revoke it`);
    }
    if (!(await this.keys.delete(accessKeyId))) throw new DomainError(ErrorCode.RouteNotFound, `access key ${accessKeyId} does not exist`);
  }

  private secretBox(): SecretBox {
    this.box ??= new SecretBox(this.config.accessKeys.encryptionKey ?? this.generatedSecret());
    return this.box;
  }

  /** Created once, 0600, beside the embedded database; processes sharing DATA_DIR share it. */
  private generatedSecret(): string {
    const file = join(this.config.dataDir, SECRET_FILE);
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      mkdirSync(this.config.dataDir, { recursive: true });
      try {
        writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      return readFileSync(file, 'utf8').trim();
    }
  }
}
