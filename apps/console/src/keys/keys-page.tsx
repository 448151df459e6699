import { Alert, Anchor, Badge, Button, Card, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { useSession } from '../auth/session';
import { useT } from '../i18n/i18n';
import { useAccessKeys, useApiKeys } from './keys.queries';
import { ShownOnce } from './shown-once';

const when = (ms: number | null) => (ms === null ? '—' : new Date(ms).toLocaleString());

/** API keys and Volcengine access-key pairs: list, mint (secret shown once), revoke. */
export default function KeysPage() {
  const t = useT();
  const session = useSession();
  const apiKeys = useApiKeys();
  const accessKeys = useAccessKeys();
  const [keyNote, setKeyNote] = useState('');
  const [pairNote, setPairNote] = useState('');
  const error = apiKeys.list.error ?? apiKeys.mint.error ?? apiKeys.revoke.error ?? accessKeys.list.error ?? accessKeys.mint.error ?? accessKeys.revoke.error;
  return (
    <Stack>
      <Title order={1} size="h2">
        {t('keys.title')}
      </Title>
      <Card withBorder>
        <Text size="sm">{t('keys.signedInAs', { kind: session.data?.kind === 'admin' ? t('shell.admin') : t('shell.scoped') })}</Text>
        <Text size="sm">
          {t('keys.botKeys')}{' '}
          <Anchor component={Link} to="/bots">
            {t('nav.bots')}
          </Anchor>
        </Text>
      </Card>
      {error && <Alert color="red">{error.message}</Alert>}

      <Title order={2} size="h3">
        {t('keys.apiKeys')}
      </Title>
      <Group align="end">
        <TextInput label={t('keys.description')} value={keyNote} onChange={(e) => setKeyNote(e.currentTarget.value)} />
        <Button loading={apiKeys.mint.isPending} onClick={() => apiKeys.mint.mutate(keyNote, { onSuccess: () => setKeyNote('') })}>
          {t('keys.mintAdmin')}
        </Button>
      </Group>
      {apiKeys.mint.data && <ShownOnce label={t('keys.newApiKey', { id: apiKeys.mint.data.id })} secret={apiKeys.mint.data.api_key} />}
      <Table.ScrollContainer minWidth={720}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('keys.id')}</Table.Th>
              <Table.Th>{t('keys.kind')}</Table.Th>
              <Table.Th>{t('keys.descriptionCol')}</Table.Th>
              <Table.Th>{t('keys.created')}</Table.Th>
              <Table.Th>{t('keys.expiresCol')}</Table.Th>
              <Table.Th>{t('common.actions')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {apiKeys.list.data?.map((key) => (
              <Table.Tr key={key.id} data-testid="api-key-row">
                <Table.Td ff="monospace">{key.id}</Table.Td>
                <Table.Td>
                  <Badge variant="light">{key.kind}</Badge>
                </Table.Td>
                <Table.Td>{key.description || (key.bot_ids.length > 0 ? key.bot_ids.join(', ') : '')}</Table.Td>
                <Table.Td>{when(key.create_time)}</Table.Td>
                <Table.Td>{when(key.expire_time)}</Table.Td>
                <Table.Td>
                  <Button size="xs" variant="default" c="red.9" onClick={() => window.confirm(t('keys.confirmRevoke', { id: key.id })) && apiKeys.revoke.mutate(key.id)}>
                    {t('keys.revoke')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>

      <Title order={2} size="h3">
        {t('keys.accessKeys')}
      </Title>
      <Group align="end">
        <TextInput label={t('keys.pairDescription')} value={pairNote} onChange={(e) => setPairNote(e.currentTarget.value)} />
        <Button loading={accessKeys.mint.isPending} onClick={() => accessKeys.mint.mutate(pairNote, { onSuccess: () => setPairNote('') })}>
          {t('keys.mintPair')}
        </Button>
      </Group>
      {accessKeys.mint.data && (
        <ShownOnce label={t('keys.newPair', { id: accessKeys.mint.data.access_key_id })} secret={accessKeys.mint.data.secret_access_key} />
      )}
      <Table.ScrollContainer minWidth={640}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('keys.accessKeyId')}</Table.Th>
              <Table.Th>{t('keys.descriptionCol')}</Table.Th>
              <Table.Th>{t('keys.source')}</Table.Th>
              <Table.Th>{t('keys.created')}</Table.Th>
              <Table.Th>{t('common.actions')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {accessKeys.list.data?.map((pair) => (
              <Table.Tr key={pair.access_key_id} data-testid="access-key-row">
                <Table.Td ff="monospace">{pair.access_key_id}</Table.Td>
                <Table.Td>{pair.description}</Table.Td>
                <Table.Td>{pair.source}</Table.Td>
                <Table.Td>{when(pair.create_time)}</Table.Td>
                <Table.Td>
                  {pair.source === 'minted' && (
                    <Button size="xs" variant="default" c="red.9" onClick={() => window.confirm(t('keys.confirmRevoke', { id: pair.access_key_id })) && accessKeys.revoke.mutate(pair.access_key_id)}>
                      {t('keys.revoke')}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
