import { Alert, Badge, Code, Group, List, Loader, Paper, Stack, Text, ThemeIcon } from '@mantine/core';
import { IconAlertCircle, IconArrowsShuffle, IconCheck } from '@tabler/icons-react';
import { errorMessage } from '../../../api/client';
import { labelOf, MERGE_STRATEGIES } from '../../../api/enums';
import { compactJson } from '../../../lib/parameterSpace';
import type { MergeResult } from '../types/preset';

interface Props {
  result: MergeResult | undefined;
  loading: boolean;
  error: unknown;
}

/** The server's merge of the picked presets: values, conflicts in words, combinations. */
export function MergePreview({ result, loading, error }: Props) {
  if (error) {
    return (
      <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} title="The presets cannot be merged" role="alert">
        {errorMessage(error)}
      </Alert>
    );
  }
  if (!result) {
    return (
      <Group gap="xs" c="dimmed">
        <Loader size="xs" />
        <Text size="sm">Merging presets…</Text>
      </Group>
    );
  }
  const combos = result.combinations;
  return (
    <Paper withBorder radius="md" p="md" data-testid="merge-preview" aria-busy={loading} bg="var(--mantine-color-body)">
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Group gap={8}>
            <ThemeIcon variant="light" size="md" radius="xl">
              <IconArrowsShuffle size={16} />
            </ThemeIcon>
            <Text fw={600}>Merged parameters</Text>
            {loading && <Loader size="xs" />}
          </Group>
          <Badge size="lg" variant="light" color={combos > 200 ? 'orange' : 'indigo'} data-testid="combinations">
            {combos} {combos === 1 ? 'combination' : 'combinations'}
          </Badge>
        </Group>
        <Text size="xs" c="dimmed" className="wrap-anywhere">
          {result.applied_presets.join(' → ')} · {labelOf(MERGE_STRATEGIES, result.merge_strategy)}
        </Text>
        <Code block data-testid="merged-json" fz="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
          {compactJson(result.parameters)}
        </Code>
        {result.conflicts.length === 0 ? (
          <Group gap={6}>
            <IconCheck size={16} color="var(--mantine-color-teal-6)" />
            <Text size="sm" c="dimmed">
              No conflicts between the picked presets.
            </Text>
          </Group>
        ) : (
          <div data-testid="merge-conflicts">
            <Text size="sm" fw={500} mb={4}>
              {result.conflicts.length === 1 ? '1 conflict' : `${result.conflicts.length} conflicts`}
            </Text>
            <List size="sm" spacing={4} icon={<IconAlertCircle size={14} color="var(--mantine-color-orange-6)" />}>
              {result.conflicts.map((c) => (
                <List.Item key={c.parameter}>{c.message}</List.Item>
              ))}
            </List>
          </div>
        )}
      </Stack>
    </Paper>
  );
}
