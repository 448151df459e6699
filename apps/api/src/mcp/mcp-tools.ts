import { Injectable } from '@nestjs/common';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Principal } from '@fjord/auth';
import { BotChatService, BotService, botChatSchema, botIdSchema, toChatParameters } from '@fjord/bots';
import { KnowledgeChatService } from '@fjord/chat';
import { nullAsAbsent } from '@fjord/common';
import { CollectionService, PointService } from '@fjord/knowledge';
import { listCollectionsSchema } from '@fjord/knowledge/schemas/collection.schema';
import { listPointsSchema } from '@fjord/knowledge/schemas/point.schema';
import { SearchService, searchKnowledgeSchema } from '@fjord/search';
import { toDomainError } from '../http/all-exceptions.filter';
import { toBotChatResponse } from '../bots/bot-chat.responses';
import { chatCompletionData } from '../viking/knowledge-chat.responses';
import { knowledgeChatSchema, toKnowledgeChatRequest } from '../viking/knowledge-chat.dto';
import { searchResponse } from '../viking/search.responses';
import { collectionInfo, pointInfo } from '../viking/viking.responses';

/** Each tool's input: the HTTP API's request schema. */
const TOOL_INPUTS: Record<string, z.ZodObject> = {};

function toolInput<T extends z.ZodObject>(tool: string, schema: T): T {
  TOOL_INPUTS[tool] = schema;
  return schema;
}

/**
 * The HTTP rule that a null the schema gives no meaning is an absent field, applied to a JSON-RPC
 * message's `tools/call` arguments before the MCP server validates them (single or batched messages).
 */
export function toolCallsWithNullAsAbsent(message: unknown): unknown {
  if (Array.isArray(message)) return message.map(toolCallsWithNullAsAbsent);
  const call = message as { method?: unknown; params?: { name?: unknown; arguments?: unknown } } | null;
  const schema = typeof call?.params?.name === 'string' ? TOOL_INPUTS[call.params.name] : undefined;
  if (call?.method !== 'tools/call' || !schema || !call.params) return message;
  return { ...call, params: { ...call.params, arguments: nullAsAbsent(schema, call.params.arguments ?? {}) } };
}

function result(data: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data as Record<string, unknown> };
}

/** A domain error becomes an MCP tool error with the same message the HTTP API gives. */
async function run(work: () => Promise<unknown>): Promise<CallToolResult> {
  try {
    return result(await work());
  } catch (error) {
    return { content: [{ type: 'text', text: toDomainError(error).message }], isError: true };
  }
}

// A tool answers in one result, so `stream` is accepted and ignored.
const botChatToolSchema = botChatSchema.safeExtend({ bot_id: botIdSchema });

/**
 * fjord's MCP tools: thin adapters over the services the HTTP API calls, with the HTTP API's request
 * schemas and response shapes. A server is built per request for its caller: a temporary bot key gets
 * only the bot tools, limited to its bots.
 */
@Injectable()
export class McpTools {
  constructor(
    private readonly collections: CollectionService,
    private readonly points: PointService,
    private readonly searches: SearchService,
    private readonly chats: KnowledgeChatService,
    private readonly bots: BotService,
    private readonly botChat: BotChatService,
  ) {}

  serverFor(principal: Principal): McpServer {
    const server = new McpServer({ name: 'fjord', version: '0.1.0' });
    this.registerBotTools(server, principal);
    if (principal.kind === 'admin') this.registerKnowledgeTools(server);
    return server;
  }

  private registerKnowledgeTools(server: McpServer): void {
    server.registerTool(
      'list_collections',
      { title: 'List knowledge bases', description: 'The collections (knowledge bases) of a project, or of every project: name, resource_id, description, doc_num, fields.', inputSchema: toolInput('list_collections', listCollectionsSchema) },
      (input) => run(async () => ({ collection_list: (await this.collections.list(input.project)).map(collectionInfo) })),
    );
    server.registerTool(
      'search_knowledge',
      {
        title: 'Search a knowledge base',
        description: 'Hybrid (dense + BM25) search of one collection, as Viking collection/search_knowledge: query, limit, query_param.doc_filter, post_processing (rerank, chunk_diffusion_count), debug for per-signal ranks and scores.',
        inputSchema: toolInput('search_knowledge', searchKnowledgeSchema),
      },
      (input) => run(async () => searchResponse(await this.searches.search(input), input)),
    );
    server.registerTool(
      'list_points',
      { title: "Read a document's chunks", description: 'The points (chunks) of a collection, in order; doc_ids limits them to some documents (point/list).', inputSchema: toolInput('list_points', listPointsSchema) },
      (input) =>
        run(async () => {
          const { collection, items, total } = await this.points.list(input);
          return { point_list: items.map((item) => pointInfo(collection, item.point, item.document)), total_num: total };
        }),
    );
    server.registerTool(
      'chat_knowledge',
      {
        title: 'Ask a knowledge base',
        description: 'Knowledge chat (Viking chat/completions): retrieves from collection_name/resource_id/collections for the last user message and answers from the passages, with references.',
        inputSchema: toolInput('chat_knowledge', knowledgeChatSchema),
      },
      (input) =>
        run(async () => {
          const request = toKnowledgeChatRequest(input);
          const answer = chatCompletionData(await this.chats.answer(request), request.retrieval !== undefined);
          return { ...answer, usage: JSON.parse(answer.usage) as unknown };
        }),
    );
  }

  private registerBotTools(server: McpServer, principal: Principal): void {
    const allowed = principal.kind === 'bot' ? principal.botIds : undefined;
    server.registerTool(
      'list_bots',
      { title: 'List bots', description: 'The bots this key may chat with: id, name, model, description.', inputSchema: toolInput('list_bots', z.object({})) },
      () => run(async () => ({ bots: (await this.bots.list(allowed)).map((bot) => ({ id: bot.id, name: bot.name, model: bot.model, description: bot.description })) })),
    );
    server.registerTool(
      'chat_bot',
      { title: 'Ask a bot', description: "Chats with a bot (its model, prompt and knowledge), as POST /api/v2/bots/:bot_id/chat: the answer with its references and usage.", inputSchema: toolInput('chat_bot', botChatToolSchema) },
      (input) =>
        run(async () => {
          const answer = await this.botChat.answer({ principal, botId: input.bot_id, messages: input.messages, parameters: toChatParameters(input.parameters ?? {}) });
          const { req_id: _requestId, error: _error, ...response } = toBotChatResponse('', answer);
          return response;
        }),
    );
  }
}
