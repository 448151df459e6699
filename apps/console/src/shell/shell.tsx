import { Anchor, AppShell, Badge, Burger, Button, Group, NavLink, ScrollArea, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Suspense } from 'react';
import { Navigate, NavLink as RouterLink, Outlet, useLocation } from 'react-router';
import { PageLoader } from './page-loader';
import { useSession, useSignOut } from '../auth/session';
import { useT } from '../i18n/i18n';
import type { MessageKey } from '../i18n/en';
import { LanguageSelect } from './language-select';

/** `scoped`: also shown to a bot's temporary key, which may only chat with its bots. */
const NAV: { to: string; label: MessageKey; scoped?: true }[] = [
  { to: '/collections', label: 'nav.collections' },
  { to: '/retrieval', label: 'nav.retrieval' },
  { to: '/chat', label: 'nav.chat', scoped: true },
  { to: '/bots', label: 'nav.bots' },
  { to: '/keys', label: 'nav.keys' },
  { to: '/operations', label: 'nav.operations' },
];

export function Shell() {
  const t = useT();
  const [opened, { toggle, close }] = useDisclosure();
  const session = useSession();
  const signOut = useSignOut();
  const { pathname } = useLocation();
  const scoped = session.data?.kind !== 'admin';
  const nav = scoped ? NAV.filter((item) => item.scoped) : NAV;
  if (!nav.some((item) => pathname.startsWith(item.to))) return <Navigate to={nav[0].to} replace />;
  return (
    <AppShell header={{ height: 52 }} navbar={{ width: 210, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('shell.menu')} />
            <Text fw={700} size="lg" component="span">
              fjord
            </Text>
            <Badge variant="light" visibleFrom="xs">
              {session.data?.kind === 'admin' ? t('shell.admin') : t('shell.scoped')}
            </Badge>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Anchor href="/docs" target="_blank" size="sm" visibleFrom="xs">
              {t('shell.apiDocs')}
            </Anchor>
            <LanguageSelect />
            <Button variant="default" size="xs" onClick={() => signOut.mutate()} loading={signOut.isPending}>
              {t('shell.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label={t('shell.navigation')}>
        <ScrollArea>
          {nav.map((item) => (
            <NavLink
              key={item.to}
              component={RouterLink}
              to={item.to}
              label={t(item.label)}
              active={pathname.startsWith(item.to)}
              onClick={close}
            />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<PageLoader />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
