import { Alert, List } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { ApiError, errorMessage } from '../api/client';

interface Props {
  error: unknown;
  title?: string;
  /** Also list field errors the caller does not show beside a field. */
  withFieldErrors?: boolean;
}

/** The server's sentence (never a bare "Error"), with its field errors when asked. */
export function ApiErrorAlert({ error, title = 'The request was refused', withFieldErrors = false }: Props) {
  if (!error) return null;
  const fields = error instanceof ApiError && withFieldErrors ? error.fieldErrors.filter((e) => e.field) : [];
  return (
    <Alert color="red" variant="light" title={title} icon={<IconAlertTriangle size={18} />} role="alert">
      {errorMessage(error)}
      {fields.length > 0 && (
        <List size="sm" mt={6}>
          {fields.map((e) => (
            <List.Item key={`${e.field}:${e.message}`}>
              <b>{e.field}</b>: {e.message}
            </List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}

/** Server field errors that concern the parameter space, keyed by the parameter's editor name. */
export function parameterErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  for (const e of error.fieldErrors) {
    const parts = e.field.split('.');
    const at = Math.max(parts.indexOf('parameters'), parts.indexOf('overrides'));
    if (at >= 0 && parts.length > at + 1) out[parts.slice(at + 1).join('/')] = e.message;
  }
  return out;
}

/** Server field errors for top-level fields ("name", "category"...). */
export function topFieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  for (const e of error.fieldErrors) {
    if (e.field && !/(^|\.)(parameters|overrides)(\.|$)/.test(e.field)) out[e.field] = e.message;
  }
  return out;
}
