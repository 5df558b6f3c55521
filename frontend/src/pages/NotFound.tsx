import { Button, EmptyState } from '@mantine/core';
import { IconMapOff } from '@tabler/icons-react';
import { Link } from 'react-router-dom';
import { paths } from '../routes';

export function NotFoundPage() {
  return (
    <EmptyState
      mt="xl"
      icon={<IconMapOff size={28} />}
      variant="light"
      title="This page does not exist"
      description="The link may be old. Head back to the presets or your tasks."
    >
      <EmptyState.Actions>
        <Button component={Link} to={paths.presets}>
          Go to presets
        </Button>
      </EmptyState.Actions>
    </EmptyState>
  );
}
