import { MantineProvider } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { act, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { LazyNotifications } from './LazyNotifications';

afterEach(() => act(() => notifications.clean()));

describe('LazyNotifications', () => {
  it('mounts no container until the first notification, then shows it', async () => {
    render(
      <MantineProvider env="test">
        <LazyNotifications position="top-right" />
      </MantineProvider>,
    );
    expect(document.querySelector('.mantine-Notifications-root')).toBeNull();
    act(() => {
      notifications.show({ title: 'Preset copied', message: 'It is yours.' });
    });
    expect(await screen.findByText('Preset copied')).toBeInTheDocument();
    expect(document.querySelector('.mantine-Notifications-root[data-position="top-right"]')).not.toBeNull();
  });
});
