import { Alert, Button, Code, CopyButton, Group, NativeSelect, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useT } from '../i18n/i18n';
import { type Bot, useBotMutations } from './bots.queries';
import { ConsoleModal } from '../shell/console-modal';

const DURATIONS = [
  { value: '3600', label: '1 h' },
  { value: '86400', label: '24 h' },
  { value: '604800', label: '7 d' },
  { value: '2592000', label: '30 d' },
];

/** GetApiKey for one bot; the key is shown once, with a copy button. */
export function MintKeyModal({ bot, onClose }: { bot: Bot | undefined; onClose: () => void }) {
  const t = useT();
  const { mintKey } = useBotMutations();
  const [seconds, setSeconds] = useState('3600');
  useEffect(() => mintKey.reset(), [bot]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <ConsoleModal opened={bot !== undefined} onClose={onClose} title={t('bots.mintFor', { name: bot?.name ?? '' })}>
      <Stack>
        <NativeSelect label={t('bots.duration')} data={DURATIONS} value={seconds} onChange={(e) => setSeconds(e.currentTarget.value)} />
        {mintKey.error && <Alert color="red">{mintKey.error.message}</Alert>}
        {mintKey.data ? (
          <Stack gap="xs">
            <Text size="sm">{t('bots.keyShownOnce', { time: new Date(mintKey.data.ExpiredTime * 1000).toLocaleString() })}</Text>
            <Code block data-testid="minted-key">
              {mintKey.data.ApiKey}
            </Code>
            <CopyButton value={mintKey.data.ApiKey}>
              {({ copied, copy }) => (
                <Button onClick={copy} color={copied ? 'teal' : undefined}>
                  {copied ? t('common.copied') : t('common.copy')}
                </Button>
              )}
            </CopyButton>
          </Stack>
        ) : (
          <Group justify="flex-end">
            <Button loading={mintKey.isPending} onClick={() => bot && mintKey.mutate({ botId: bot.id, seconds: Number(seconds) })}>
              {t('bots.mint')}
            </Button>
          </Group>
        )}
      </Stack>
    </ConsoleModal>
  );
}
