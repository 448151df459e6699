import { Injectable } from '@nestjs/common';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Request, Response } from 'express';
import type { Principal } from '@fjord/auth';
import { McpTools, toolCallsWithNullAsAbsent } from './mcp-tools';

/**
 * Stateless Streamable HTTP: each POST gets its own server and transport, built for the caller's
 * credential, so any API process can answer any request and nothing is kept between them. Answers are
 * plain JSON (no SSE) since no tool streams; GET and DELETE (sessions) are 405.
 */
@Injectable()
export class McpHttpService {
  constructor(private readonly tools: McpTools) {}

  async handle(principal: Principal, req: Request, res: Response): Promise<void> {
    if (req.method !== 'POST') {
      // Without sessions there is no stream to open (GET) or session to end (DELETE).
      res.status(405).setHeader('Allow', 'POST');
      res.json({ jsonrpc: '2.0', error: { code: -32000, message: 'method not allowed: this MCP server is stateless; send POST' }, id: null });
      return;
    }
    const server = this.tools.serverFor(principal);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, toolCallsWithNullAsAbsent(req.body));
  }
}
