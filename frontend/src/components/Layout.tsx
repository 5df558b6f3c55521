import { AppShell, Badge, Burger, Button, Group, NavLink, ScrollArea, Stack, Text, ThemeIcon } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconAdjustmentsHorizontal, IconChartBar, IconListDetails, IconPlus, IconServer, IconStack2, type Icon } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { Link, Outlet, ScrollRestoration, useLocation } from 'react-router-dom';
import { paths } from '../routes';

/** A link of the side navigation. */
export interface NavItem {
  to: string;
  label: string;
  icon: Icon;
  match: (pathname: string) => boolean;
}

const NAV: NavItem[] = [
  { to: paths.presets, label: 'Presets', icon: IconStack2, match: (p: string) => p.startsWith(paths.presets) },
  { to: paths.tasks, label: 'Tasks', icon: IconListDetails, match: (p: string) => p.startsWith(paths.tasks) && p !== paths.newTask },
  { to: paths.newTask, label: 'New Task', icon: IconPlus, match: (p: string) => p === paths.newTask },
  { to: paths.analytics, label: 'Analytics', icon: IconChartBar, match: (p: string) => p === paths.analytics },
  { to: paths.system, label: 'System', icon: IconServer, match: (p: string) => p === paths.system },
];

interface LayoutProps {
  /** The header's account corner (the signed-in user, or the single-user note). */
  account?: ReactNode;
  /** More links below the main ones (the account's and the admins' pages). */
  extraNav?: NavItem[];
  /** The product's version (GET /api/system), shown at the foot of the navigation. */
  version?: string | null;
}

export function Layout({ account, extraNav = [], version }: LayoutProps) {
  const [opened, { toggle, close }] = useDisclosure();
  const { pathname } = useLocation();
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 200, breakpoint: 'md', collapsed: { mobile: !opened } }} padding="lg">
      {/* A new page opens at its top (not where the last one was scrolled to); Back restores it. */}
      <ScrollRestoration />
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="md" size="sm" aria-label="Toggle navigation" />
            <Link to={paths.presets} style={{ textDecoration: 'none', color: 'inherit' }}>
              <Group gap={8} wrap="nowrap">
                <ThemeIcon size={30} radius="md" variant="gradient" gradient={{ from: 'indigo', to: 'cyan', deg: 135 }}>
                  <IconAdjustmentsHorizontal size={18} />
                </ThemeIcon>
                <Text fw={700} size="lg">
                  Autotuner
                </Text>
              </Group>
            </Link>
            <Badge variant="light" color="gray" size="sm" visibleFrom="sm">
              LLM inference tuning
            </Badge>
          </Group>
          <Group gap="sm" wrap="nowrap">
            {account}
            <Button component={Link} to={paths.newTask} size="xs" leftSection={<IconPlus size={14} />}>
              New task
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm">
        <AppShell.Section grow component={ScrollArea}>
          <Stack gap={4}>
            {[...NAV, ...extraNav].map((item) => (
              <NavLink
                key={item.to}
                component={Link}
                to={item.to}
                label={item.label}
                leftSection={<item.icon size={18} stroke={1.6} />}
                active={item.match(pathname)}
                onClick={close}
                style={{ borderRadius: 'var(--mantine-radius-md)' }}
              />
            ))}
          </Stack>
        </AppShell.Section>
        <AppShell.Section>
          <Text size="xs" c="dimmed" px="xs">
            SGLang · vLLM · llama.cpp parameter presets
          </Text>
          {version && (
            <Text size="xs" c="dimmed" px="xs" mt={4} data-testid="app-version">
              Autotuner {version}
            </Text>
          )}
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>
        <div style={{ maxWidth: 1280, margin: '0 auto', minWidth: 0 }}>
          <Outlet />
        </div>
      </AppShell.Main>
    </AppShell>
  );
}

export function PageHeader({ title, description, actions }: { title: string; description?: string; actions?: React.ReactNode }) {
  return (
    <Group justify="space-between" align="flex-end" mb="lg" wrap="wrap" gap="sm">
      <div style={{ minWidth: 0, flex: '1 1 24rem' }}>
        <Text component="h1" fz={26} fw={700} m={0}>
          {title}
        </Text>
        {description && (
          <Text c="dimmed" size="sm" mt={4}>
            {description}
          </Text>
        )}
      </div>
      {actions && (
        <Group gap="sm" wrap="wrap">
          {actions}
        </Group>
      )}
    </Group>
  );
}
