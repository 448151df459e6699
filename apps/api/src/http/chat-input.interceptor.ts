import { applyDecorators, CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, SetMetadata, UseInterceptors } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { from, Observable, switchMap } from 'rxjs';
import { DomainError } from '@fjord/common';
import { APP_CONFIG, AppConfig, ChatRouteFamily } from '@fjord/config';
import { CountsAsChat } from '@fjord/rate-limits';
import { prepareTokenCounts } from '@fjord/text';

const CHAT_ROUTE_FAMILY = 'fjord:chat-route-family';

/**
 * Messages one chat request may carry on any door. A context turn stores its messages with a
 * 16-bit position, so past 32,767 a turn could not be stored after the model had already answered.
 */
export const MAX_MESSAGES_PER_REQUEST = 10_000;

const LIMIT_VARIABLES: Record<ChatRouteFamily, string> = {
  openai: 'OPENAI_CHAT_MAX_INPUT_CHARS',
  bot: 'BOT_CHAT_MAX_INPUT_CHARS',
  knowledge: 'KNOWLEDGE_CHAT_MAX_INPUT_CHARS',
  context: 'CONTEXT_MAX_INPUT_CHARS',
};

function messageCount(body: unknown): number {
  const messages = (body as { messages?: unknown } | undefined)?.messages;
  return Array.isArray(messages) ? messages.length : 0;
}

/**
 * The message texts of a raw chat body as the request schemas will read them: a string content,
 * or the joined text parts. Anything else is left for validation to describe.
 */
export function messageTexts(body: unknown): string[] {
  const messages = (body as { messages?: unknown } | undefined)?.messages;
  if (!Array.isArray(messages)) return [];
  const texts: string[] = [];
  for (const message of messages) {
    const content = (message as { content?: unknown } | null)?.content;
    if (typeof content === 'string') texts.push(content);
    else if (Array.isArray(content)) {
      texts.push(content.map((part) => (typeof (part as { text?: unknown } | null)?.text === 'string' ? (part as { text: string }).text : '')).join(''));
    }
  }
  return texts;
}

/**
 * Before a chat request is validated: refuses more messages than any door takes, or more message
 * text than its route family allows
 * (a 400 in the family's envelope, before any model or tokenizer work), then counts the tokens of
 * the large messages in the counting thread so the request's accounting never blocks the event loop.
 */
@Injectable()
export class ChatInputInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const family = this.reflector.get<ChatRouteFamily>(CHAT_ROUTE_FAMILY, context.getHandler());
    const body: unknown = context.switchToHttp().getRequest<Request>().body;
    const count = messageCount(body);
    if (count > MAX_MESSAGES_PER_REQUEST) {
      throw DomainError.invalid(`messages has ${count} entries; a request takes at most ${MAX_MESSAGES_PER_REQUEST}`, 'messages');
    }
    const texts = messageTexts(body);
    const limit = this.config.chatInputLimits[family];
    const chars = texts.reduce((sum, text) => sum + text.length, 0);
    if (chars > limit) {
      throw DomainError.invalid(
        `messages carry ${chars} characters; this endpoint takes at most ${limit} per request (${LIMIT_VARIABLES[family]})`,
        'messages',
      );
    }
    return from(prepareTokenCounts(texts)).pipe(switchMap(() => next.handle()));
  }
}

/** Marks a chat handler with its route family's input cap; it counts against concurrent-chat limits. */
export function ChatInput(family: ChatRouteFamily): MethodDecorator {
  return applyDecorators(SetMetadata(CHAT_ROUTE_FAMILY, family), UseInterceptors(ChatInputInterceptor), CountsAsChat());
}
