import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useT } from '../i18n/i18n';
import { LanguageSelect } from '../shell/language-select';
import { useSignIn } from './session';

export function SignInPage() {
  const t = useT();
  const signIn = useSignIn();
  const [key, setKey] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate(key.trim());
  };
  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w={420} maw="100%">
        <form onSubmit={submit}>
          <Stack>
            <Title order={1} size="h2">
              {t('signIn.title')}
            </Title>
            <Text size="sm" c="dimmed">
              {t('signIn.hint')}
            </Text>
            <PasswordInput label={t('signIn.key')} value={key} onChange={(e) => setKey(e.currentTarget.value)} autoFocus required autoComplete="off" />
            {signIn.error && (
              <Alert color="red" role="alert">
                {signIn.error.message}
              </Alert>
            )}
            <Button type="submit" loading={signIn.isPending} disabled={!key.trim()}>
              {t('signIn.submit')}
            </Button>
            <LanguageSelect />
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
