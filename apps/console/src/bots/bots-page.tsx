import { Alert, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useT } from '../i18n/i18n';
import { BotFormModal } from './bot-form-modal';
import { type Bot, useBotMutations, useBots } from './bots.queries';
import { MintKeyModal } from './mint-key-modal';

export default function BotsPage() {
  const t = useT();
  const bots = useBots();
  const { remove } = useBotMutations();
  const [editing, setEditing] = useState<Bot | 'new'>();
  const [minting, setMinting] = useState<Bot>();
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t('bots.title')}
        </Title>
        <Button onClick={() => setEditing('new')}>{t('bots.create')}</Button>
      </Group>
      {bots.error && <Alert color="red">{bots.error.message}</Alert>}
      {remove.error && <Alert color="red">{remove.error.message}</Alert>}
      <Table.ScrollContainer minWidth={720}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('bots.name')}</Table.Th>
              <Table.Th>{t('bots.model')}</Table.Th>
              <Table.Th>{t('bots.collections')}</Table.Th>
              <Table.Th>{t('common.actions')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {bots.data?.bots.map((bot) => (
              <Table.Tr key={bot.id} data-testid="bot-row">
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {bot.name}
                  </Text>
                  <Text size="xs" c="dimmed" ff="monospace">
                    {bot.id}
                  </Text>
                </Table.Td>
                <Table.Td>{bot.model}</Table.Td>
                <Table.Td>{(bot.knowledge?.collections ?? []).map((c) => ('name' in c && c.name) || ('resource_id' in c && c.resource_id)).join(', ')}</Table.Td>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    <Button size="xs" variant="light" onClick={() => setMinting(bot)}>
                      {t('bots.mint')}
                    </Button>
                    <Button size="xs" variant="default" onClick={() => setEditing(bot)}>
                      {t('common.edit')}
                    </Button>
                    <Button size="xs" variant="default" c="red.9" onClick={() => window.confirm(t('bots.confirmDelete', { name: bot.name })) && remove.mutate(bot.id)}>
                      {t('common.delete')}
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {bots.isSuccess && bots.data.bots.length === 0 && <Text c="dimmed">{t('bots.empty')}</Text>}
      <BotFormModal opened={editing !== undefined} bot={editing === 'new' ? undefined : editing} onClose={() => setEditing(undefined)} />
      <MintKeyModal bot={minting} onClose={() => setMinting(undefined)} />
    </Stack>
  );
}
