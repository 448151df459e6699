import type { Principal } from '@fjord/auth/principal';
import { DomainError, ErrorCode } from '@fjord/common';

/** The admin may use every bot; a temporary key only the bots it names (expiry is checked by the guard). */
export function mayUseBot(principal: Principal, botId: string): boolean {
  return principal.kind === 'admin' || principal.botIds.includes(botId);
}

export function assertMayUseBot(principal: Principal, botId: string): void {
  if (!mayUseBot(principal, botId)) {
    throw new DomainError(ErrorCode.Forbidden, `this key may not chat with bot ${botId}`);
  }
}
