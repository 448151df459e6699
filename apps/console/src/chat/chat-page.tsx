import { Alert, Anchor, Badge, Button, Card, Group, MultiSelect, NativeSelect, SegmentedControl, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, jsonData } from '../api/client';
import { useSession } from '../auth/session';
import { useCollections } from '../collections/collections.queries';
import { type Translate, useT } from '../i18n/i18n';
import { positionLabel } from '../shell/position-label';
import { type ChatMessage, type ChatUsage, type Citation, streamBotChat, streamKnowledgeChat } from './chat.stream';

interface Turn extends ChatMessage {
  citations?: Citation[];
  usage?: ChatUsage;
}

function citationHref(c: Citation) {
  return `/collections/${encodeURIComponent(c.collection)}/documents/${encodeURIComponent(c.docId)}?point=${encodeURIComponent(c.pointId)}`;
}

/** `handbook.pdf #3, p. 2`: the cited chunk and, where the format has one, its page, sheet rows or slide. */
function citationText(c: Citation, t: Translate): string {
  const where = positionLabel(c.position, t);
  return where ? `${c.title}, ${where}` : c.title;
}

/** Chat playground: a bot or some collections, streamed answers, citations that open the cited chunk. */
export default function ChatPage() {
  const t = useT();
  // A bot's temporary key may chat only with its bots: no collections, and the bot list it may read is /v1/models.
  const scoped = useSession().data?.kind !== 'admin';
  const collections = useCollections(!scoped);
  const bots = useQuery({ queryKey: ['bot-models'], queryFn: async () => jsonData(await api.GET('/v1/models')).data });
  const [chosenMode, setMode] = useState<'collections' | 'bot'>('collections');
  const mode = scoped ? 'bot' : chosenMode;
  const [selected, setSelected] = useState<string[]>([]);
  const [botId, setBotId] = useState('');
  const [model, setModel] = useState('default');
  const [input, setInput] = useState('');
  const [turns, setTurns] = useState<Turn[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const abort = useRef<AbortController | null>(null);

  const collectionNames = (collections.data?.collection_list ?? []).map((c) => c.collection_name);
  const chosenCollections = selected.length > 0 ? selected : collectionNames.slice(0, 1);
  const chosenBot = botId || bots.data?.[0]?.id || '';

  const send = async (event: FormEvent) => {
    event.preventDefault();
    const question = input.trim();
    if (!question) return;
    const history: ChatMessage[] = [...turns.map(({ role, content }) => ({ role, content })), { role: 'user', content: question }];
    setTurns([...history, { role: 'assistant', content: '' }]);
    setInput('');
    setError(undefined);
    setBusy(true);
    const controller = new AbortController();
    abort.current = controller;
    const patchLast = (patch: (turn: Turn) => Turn) => setTurns((all) => [...all.slice(0, -1), patch(all[all.length - 1] as Turn)]);
    const callbacks = {
      onDelta: (text: string) => patchLast((turn) => ({ ...turn, content: turn.content + text })),
      onCitations: (citations: Citation[]) => patchLast((turn) => ({ ...turn, citations })),
      onUsage: (usage: ChatUsage) => patchLast((turn) => ({ ...turn, usage })),
    };
    try {
      if (mode === 'bot') await streamBotChat(chosenBot, history, callbacks, controller.signal);
      else await streamKnowledgeChat(model, chosenCollections, history, callbacks, controller.signal);
    } catch (failure) {
      if (!controller.signal.aborted) setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack>
      <Title order={1} size="h2">
        {t('chat.title')}
      </Title>
      {!scoped && (
        <SegmentedControl
          w="fit-content"
          value={mode}
          onChange={(v) => setMode(v as 'collections' | 'bot')}
          data={[
            { value: 'collections', label: t('chat.withCollections') },
            { value: 'bot', label: t('chat.withBot') },
          ]}
        />
      )}
      {mode === 'collections' ? (
        <Group grow align="end">
          <MultiSelect label={t('chat.collections')} data={collectionNames} value={chosenCollections} onChange={setSelected} />
          <TextInput label={t('chat.model')} description={t('chat.modelHint')} value={model} onChange={(e) => setModel(e.currentTarget.value)} />
        </Group>
      ) : (
        <NativeSelect
          label={t('chat.bot')}
          data={(bots.data ?? []).map((b) => ({ value: b.id, label: `${b.name} (${b.id})` }))}
          value={chosenBot}
          onChange={(e) => setBotId(e.currentTarget.value)}
        />
      )}
      <Stack gap="sm" data-testid="conversation" aria-live="polite">
        {turns.map((turn, i) => (
          <Card key={i} withBorder bg={turn.role === 'user' ? 'gray.0' : undefined} data-testid={turn.role === 'assistant' ? 'answer' : 'question'}>
            <Text size="xs" c="dimmed" mb={4}>
              {turn.role === 'user' ? t('chat.you') : t('chat.assistant')}
            </Text>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {turn.content || (busy && i === turns.length - 1 ? '…' : '')}
            </Text>
            {turn.citations && turn.citations.length > 0 && (
              <Stack gap={2} mt="xs">
                <Text size="xs" fw={600}>
                  {t('chat.citations')}
                </Text>
                {turn.citations.map((c) =>
                  // A scoped key may not open chunk pages, so its citations are named, not linked.
                  scoped ? (
                    <Text key={`${c.index}-${c.pointId}`} size="sm" data-testid="citation">
                      [{c.index}] {citationText(c, t)}
                    </Text>
                  ) : (
                    <Anchor key={`${c.index}-${c.pointId}`} component={Link} to={citationHref(c)} size="sm" data-testid="citation">
                      [{c.index}] {citationText(c, t)}
                    </Anchor>
                  ),
                )}
              </Stack>
            )}
            {turn.usage && (
              <Group gap="xs" mt="xs" data-testid="usage">
                <Badge variant="light">{t('chat.promptTokens', { n: turn.usage.promptTokens })}</Badge>
                <Badge variant="light">{t('chat.completionTokens', { n: turn.usage.completionTokens })}</Badge>
                {turn.usage.cachedTokens !== undefined && <Badge variant="filled" color="teal.9">{t('chat.cachedTokens', { n: turn.usage.cachedTokens })}</Badge>}
                {turn.usage.searches !== undefined && <Badge variant="light">{t('chat.searches', { n: turn.usage.searches })}</Badge>}
              </Group>
            )}
          </Card>
        ))}
      </Stack>
      {error && <Alert color="red">{error}</Alert>}
      <form onSubmit={send}>
        <Stack gap="xs">
          <Textarea
            label={t('chat.message')}
            autosize
            minRows={2}
            value={input}
            onChange={(e) => setInput(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                e.currentTarget.form?.requestSubmit();
              }
            }}
          />
          <Group>
            <Button type="submit" loading={busy} disabled={!input.trim() || (mode === 'bot' ? !chosenBot : chosenCollections.length === 0)}>
              {t('chat.send')}
            </Button>
            {busy && (
              <Button variant="default" onClick={() => abort.current?.abort()}>
                {t('chat.stop')}
              </Button>
            )}
            <Button variant="subtle" onClick={() => setTurns([])} disabled={busy || turns.length === 0}>
              {t('chat.clear')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
