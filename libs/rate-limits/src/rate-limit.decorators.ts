import { SetMetadata } from '@nestjs/common';

/** What a route costs against its key's limits beyond one request. */
export type RateLimitedAction = 'chat' | 'upload';
export const RATE_LIMITED_ACTION = 'fjord:rate-limited-action';

/** A chat: holds one of the key's concurrent-chat slots while it runs. */
export const CountsAsChat = () => SetMetadata(RATE_LIMITED_ACTION, 'chat' satisfies RateLimitedAction);

/** A document upload: counts against uploads per minute and bytes per day. */
export const CountsAsUpload = () => SetMetadata(RATE_LIMITED_ACTION, 'upload' satisfies RateLimitedAction);
