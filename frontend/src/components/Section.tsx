import { Group, Paper, Title } from '@mantine/core';

/** A titled card of a page or form; its actions wrap under the title rather than clip. */
export function Section({
  title,
  icon,
  actions,
  children,
  ...rest
}: { title: React.ReactNode; icon?: React.ReactNode; actions?: React.ReactNode; children?: React.ReactNode } & Record<`data-${string}`, string>) {
  return (
    <Paper withBorder p="lg" shadow="xs" {...rest}>
      <Group justify="space-between" mb="md" wrap="wrap" gap="xs">
        <Group gap={8} wrap="nowrap" style={{ minWidth: 0 }}>
          {icon}
          <Title order={4}>{title}</Title>
        </Group>
        {actions}
      </Group>
      {children}
    </Paper>
  );
}
