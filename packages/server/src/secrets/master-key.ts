import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where the master key comes from: `UID2_MASTER_KEY` (base64) or a key file. */
export interface MasterKeySource {
  /** base64 of 32 bytes, from the environment. Takes precedence over the file. */
  readonly value?: string | undefined;
  /** Key file path (base64 text, mode 0600). */
  readonly file?: string | undefined;
}

export class MasterKeyError extends Error {
  override readonly name = 'MasterKeyError';
}

function decode(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32 || key.toString('base64') !== text.trim()) {
    throw new MasterKeyError(`${where} must be the base64 of exactly 32 bytes`);
  }
  return key;
}

/**
 * Loads the master key. When none exists and `mayCreate` is true (a brand-new store), creates a key
 * file with mode 0600. Never creates one otherwise: a non-empty store with a lost key must fail loudly.
 */
export function loadMasterKey(
  source: MasterKeySource,
  mayCreate: boolean,
): { key: Buffer; created: boolean } {
  if (source.value) return { key: decode(source.value, 'UID2_MASTER_KEY'), created: false };
  const file = source.file;
  if (!file) throw new MasterKeyError('no master key: set UID2_MASTER_KEY or --master-key-file');
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new MasterKeyError(
        `master key file ${file} is readable by others (mode ${mode.toString(8)}); chmod 600 it`,
      );
    }
    return { key: decode(readFileSync(file, 'utf8'), `master key file ${file}`), created: false };
  }
  if (!mayCreate) {
    throw new MasterKeyError(
      `master key file ${file} does not exist, but the store already holds data encrypted with a master key; ` +
        'restore the key file or set UID2_MASTER_KEY',
    );
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { key, created: true };
}
