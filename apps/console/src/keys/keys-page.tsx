import { Alert, Anchor, Card, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useSession } from '../auth/session';
import { useT } from '../i18n/i18n';

/** Who is signed in, and where keys come from on this server. */
export default function KeysPage() {
  const t = useT();
  const session = useSession();
  return (
    <Stack>
      <Title order={1} size="h2">
        {t('keys.title')}
      </Title>
      <Card withBorder>
        <Text size="sm">{t('keys.signedInAs', { kind: session.data?.kind === 'admin' ? t('shell.admin') : t('shell.scoped') })}</Text>
        {session.data?.expires_at && <Text size="sm">{t('keys.expires', { time: new Date(session.data.expires_at).toLocaleString() })}</Text>}
      </Card>
      <Alert color="blue">
        {t('keys.botKeys')}{' '}
        <Anchor component={Link} to="/bots">
          {t('nav.bots')}
        </Anchor>
      </Alert>
    </Stack>
  );
}
