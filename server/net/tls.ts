/**
 * The certificate and key of TLS_CERT / TLS_KEY, read and checked once at
 * start-up: a file that is missing or unreadable, or a pair that does not
 * make a usable TLS context, stops start-up with one line naming it.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** undefined when neither is set (the configuration allows both or neither). */
export function readTlsFiles(tls: { cert: string | null; key: string | null }): TlsFiles | undefined {
  if (tls.cert === null || tls.key === null) return undefined;
  const cert = readPem(tls.cert, 'TLS_CERT (tls.cert)', 'certificate');
  const key = readPem(tls.key, 'TLS_KEY (tls.key)', 'private key');
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new Error(`TLS_CERT ${tls.cert} and TLS_KEY ${tls.key}: not a usable certificate and key (${(err as Error).message})`);
  }
  return { cert, key };
}

function readPem(file: string, setting: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new Error(`${setting} ${file}: cannot read the ${what}: ${why}`);
  }
}
