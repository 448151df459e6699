import { Alert, Button, Code, CopyButton, Stack, Text } from '@mantine/core';
import { useT } from '../i18n/i18n';

/** A new secret, shown once with a copy button. */
export function ShownOnce({ label, secret }: { label: string; secret: string }) {
  const t = useT();
  return (
    <Alert variant="default" title={t('keys.shownOnce')}>
      <Stack gap="xs">
        <Text size="sm">{label}</Text>
        <Code block data-testid="new-secret">
          {secret}
        </Code>
        <CopyButton value={secret}>
          {({ copied, copy }) => (
            <Button size="xs" onClick={copy} w="fit-content">
              {copied ? t('common.copied') : t('common.copy')}
            </Button>
          )}
        </CopyButton>
      </Stack>
    </Alert>
  );
}
