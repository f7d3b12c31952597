/**
 * A self-signed certificate for 127.0.0.1 and localhost, made by openssl
 * (node's crypto makes keys but not X.509 certificates), for the product's
 * HTTPS and WSS on loopback. Clients trust it by passing `cert` as their CA.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './tmp.js';

export interface SelfSigned {
  /** The PEM files' paths, as TLS_CERT / TLS_KEY take them. */
  cert: string;
  key: string;
  /** The certificate's PEM text, for a client's trusted CA list. */
  ca: Buffer;
}

export function selfSignedCertificate(): SelfSigned {
  const dir = tempDir('tls-');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { cert, key, ca: readFileSync(cert) };
}
