import { Alert, Button, Group, MultiSelect, Stack, TextInput, Textarea } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { useCollections } from '../collections/collections.queries';
import { useT } from '../i18n/i18n';
import { type Bot, useBotMutations } from './bots.queries';
import { ConsoleModal } from '../shell/console-modal';

/** Create a bot, or edit one (`bot` given): name, model, system prompt and the collections it searches. */
export function BotFormModal({ opened, bot, onClose }: { opened: boolean; bot?: Bot; onClose: () => void }) {
  const t = useT();
  const collections = useCollections();
  const { create, update } = useBotMutations();
  const [name, setName] = useState('');
  const [model, setModel] = useState('default');
  const [systemPrompt, setSystemPrompt] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  useEffect(() => {
    setName(bot?.name ?? '');
    setModel(bot?.model ?? 'default');
    setSystemPrompt(bot?.system_prompt ?? '');
    setChosen((bot?.knowledge?.collections ?? []).map((c) => ('name' in c && c.name ? c.name : '')).filter(Boolean));
    create.reset();
    update.reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [bot, opened]);
  const mutation = bot ? update : create;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = { name, model, system_prompt: systemPrompt, knowledge: chosen.length > 0 ? { collections: chosen.map((c) => ({ name: c })) } : null };
    if (bot) update.mutate({ id: bot.id, body }, { onSuccess: onClose });
    else create.mutate({ ...body, knowledge: body.knowledge ?? undefined }, { onSuccess: onClose });
  };
  return (
    <ConsoleModal opened={opened} onClose={onClose} title={bot ? t('bots.edit') : t('bots.create')} size="lg">
      <form onSubmit={submit}>
        <Stack>
          <TextInput label={t('bots.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} required data-autofocus />
          <TextInput label={t('bots.model')} description={t('chat.modelHint')} value={model} onChange={(e) => setModel(e.currentTarget.value)} required />
          <Textarea label={t('bots.systemPrompt')} autosize minRows={3} value={systemPrompt} onChange={(e) => setSystemPrompt(e.currentTarget.value)} />
          <MultiSelect searchable label={t('bots.collections')} data={(collections.data?.collection_list ?? []).map((c) => c.collection_name)} value={chosen} onChange={setChosen} />
          {mutation.error && <Alert color="red">{mutation.error.message}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={mutation.isPending}>
              {t('common.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </ConsoleModal>
  );
}
