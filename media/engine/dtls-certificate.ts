/**
 * The DTLS certificate of every WebRTC endpoint in the process: an ECDSA
 * P-256 self-signed certificate, made once on first use (it takes tens of
 * milliseconds) and shared, as browsers share one per peer connection
 * origin. Trust comes from the fingerprint in SDP (RFC 8122), never from a
 * chain, so a fresh certificate per process is all DTLS-SRTP needs.
 */
import { createHash } from 'node:crypto';
import { CipherContext, HashAlgorithm, NamedCurveAlgorithm, RTCCertificate, SignatureAlgorithm } from 'werift';
import type { CertificateFingerprint } from './webrtc-sdp.js';

export interface DtlsCertificate {
  certPem: string;
  keyPem: string;
  signatureHash: RTCCertificate['signatureHash'];
  fingerprint: CertificateFingerprint;
}

let made: Promise<DtlsCertificate> | undefined;

/** The process's certificate, made on the first call. */
export function dtlsCertificate(): Promise<DtlsCertificate> {
  made ??= (async () => {
    const { certPem, keyPem, signatureHash } = await CipherContext.createSelfSignedCertificateWithKey(
      { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 },
      NamedCurveAlgorithm.secp256r1_23,
    );
    // werift's RTCCertificate normalises the key to the PEM form its DTLS reads.
    const cert = new RTCCertificate(keyPem, certPem, signatureHash);
    const [fingerprint] = cert.getFingerprints();
    return { certPem: cert.certPem, keyPem: cert.privateKey, signatureHash, fingerprint: { algorithm: fingerprint!.algorithm, value: fingerprint!.value } };
  })();
  return made;
}

/** Hash names as SDP writes them (RFC 8122 §5) and as node's crypto knows them. */
const HASHES: Readonly<Record<string, string>> = { 'sha-1': 'sha1', 'sha-224': 'sha224', 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' };

/** Whether a DER certificate matches one of the fingerprints the far end's SDP gave. */
export function matchesFingerprint(der: Buffer, fingerprints: readonly CertificateFingerprint[]): boolean {
  return fingerprints.some(({ algorithm, value }) => {
    const hash = HASHES[algorithm.toLowerCase()];
    if (!hash) return false;
    const hex = createHash(hash).update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
    return hex === value.toUpperCase();
  });
}
