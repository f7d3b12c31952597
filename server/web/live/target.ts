/**
 * The wait a queue aims to answer within, in seconds, past which the
 * monitor shows a wait in red. The queue configuration has no target of its
 * own yet; every queue uses this one.
 */
export const DEFAULT_TARGET_SECONDS = 60;

export function overTarget(waitSeconds: number): boolean {
  return waitSeconds > DEFAULT_TARGET_SECONDS;
}
