import { Module } from '@nestjs/common';
import { BotsModule } from '@fjord/bots';
import { ChatModule } from '@fjord/chat';
import { KnowledgeModule } from '@fjord/knowledge';
import { SearchModule } from '@fjord/search';
import { McpController } from './mcp.controller';
import { McpHttpService } from './mcp-http.service';
import { McpTools } from './mcp-tools';

/**
 * The MCP server. It sits in the app, beside the HTTP controllers, because its tools take the HTTP
 * API's request schemas and answer with its response shapes.
 */
@Module({
  imports: [KnowledgeModule, SearchModule, ChatModule, BotsModule],
  controllers: [McpController],
  providers: [McpTools, McpHttpService],
})
export class McpModule {}
