/**
 * The wait a queue aims to answer within (its targetSeconds), past which
 * the monitor shows a wait in red. Until today's figures have come with
 * each queue's own target, the configuration's default stands in.
 */
export const DEFAULT_TARGET_SECONDS = 60;

export function overTarget(waitSeconds: number, targetSeconds: number): boolean {
  return waitSeconds > targetSeconds;
}
