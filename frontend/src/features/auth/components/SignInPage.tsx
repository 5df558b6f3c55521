/** The Sign-in page: user name and password; a refusal shows the server's sentence (429 too). */
import { Alert, Button, Center, Group, Paper, PasswordInput, Stack, Text, TextInput, ThemeIcon, Title } from '@mantine/core';
import { IconAdjustmentsHorizontal, IconLock } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../../api/client';
import { useLogin } from '../api/authService';

export function SignInPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const login = useLogin();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!username.trim() || !password) return;
    login.mutate({ username: username.trim(), password });
  };

  return (
    <Center mih="100vh" p="md" bg="var(--mantine-color-gray-0)">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={400}>
        <form onSubmit={submit} aria-label="Sign in">
          <Stack gap="md">
            <Group gap={8} wrap="nowrap">
              <ThemeIcon size={30} radius="md" variant="gradient" gradient={{ from: 'indigo', to: 'cyan', deg: 135 }}>
                <IconAdjustmentsHorizontal size={18} />
              </ThemeIcon>
              <Text fw={700} size="lg">
                Autotuner
              </Text>
            </Group>
            <div>
              <Title order={1} fz={22}>
                Sign in
              </Title>
              <Text size="sm" c="dimmed" mt={4}>
                This service has user accounts: sign in to see your presets and tasks.
              </Text>
            </div>
            {login.isError && (
              <Alert color="red" variant="light" role="alert" icon={<IconLock size={18} />} title="Not signed in">
                {errorMessage(login.error)}
              </Alert>
            )}
            <TextInput
              label="User name"
              autoComplete="username"
              required
              autoFocus
              value={username}
              onChange={(e) => setUsername(e.currentTarget.value)}
            />
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            <Button type="submit" loading={login.isPending} disabled={!username.trim() || !password}>
              Sign in
            </Button>
            <Text size="xs" c="dimmed">
              No account? An admin creates one (`autotuner users create NAME`).
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
