import { Writable } from 'node:stream';
import pino from 'pino';
import { loggableUrl, loggerParams } from './logger';

describe('request logging never writes secrets', () => {
  it('redacts every query value except Action and Version', () => {
    expect(loggableUrl('/api/knowledge/collection/list?api_key=fjord-admin-secret&x=1')).toBe('/api/knowledge/collection/list?api_key=[redacted]&x=[redacted]');
    expect(loggableUrl('/?Action=GetApiKey&Version=2024-01-01&X-Signature=abc')).toBe('/?Action=GetApiKey&Version=2024-01-01&X-Signature=[redacted]');
    expect(loggableUrl('/health')).toBe('/health');
  });

  it('the request serializer logs neither headers (Authorization, V4 signature, security token) nor query secrets', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const params = loggerParams({ logLevel: 'info' }).pinoHttp as { serializers: Record<string, (value: unknown) => unknown>; redact: unknown };
    const logger = pino({ serializers: params.serializers, redact: params.redact as never }, sink);
    logger.info({
      req: {
        id: 'r1',
        method: 'POST',
        url: '/v1/models?key=fjord-bot-querysecret',
        headers: { authorization: 'HMAC-SHA256 Credential=AK/20261130/cn-beijing/air/request, SignedHeaders=host;x-date, Signature=feedface', 'x-security-token': 'sts-secret' },
      },
    });
    const line = lines.join('');
    expect(line).toContain('/v1/models?key=[redacted]');
    for (const secret of ['fjord-bot-querysecret', 'feedface', 'sts-secret', 'Credential']) expect(line).not.toContain(secret);
  });
});
