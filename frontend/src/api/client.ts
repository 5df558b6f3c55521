/**
 * The one place that talks HTTP to the autotuner service, for JSON and text endpoints alike.
 * Every failed request becomes an ApiError carrying the server's one-sentence `detail` and any
 * per-field errors. Paths are the OpenAPI schema's own templates (`apiPath`), so a renamed
 * endpoint is a type error once the types are regenerated.
 */
import type { paths } from './schema';

export interface FieldError {
  /** Dotted path of the field inside the request body, e.g. "parameters.tp-size" or "name". */
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;
  readonly fieldErrors: FieldError[];

  constructor(status: number, detail: string, fieldErrors: FieldError[] = []) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
    this.fieldErrors = fieldErrors;
  }
}

/** An endpoint of the service, as the OpenAPI schema names it ("/api/tasks/{task_id}"). */
export type ApiPath = keyof paths & string;

type Placeholders<S extends string> = S extends `${string}{${infer Name}}${infer Rest}` ? Name | Placeholders<Rest> : never;
type PathArgs<P extends string> = [Placeholders<P>] extends [never] ? [] : [Record<Placeholders<P>, string | number>];

/** Fills an endpoint's placeholders: apiPath('/api/tasks/{task_id}', { task_id: 7 }) -> "/api/tasks/7". */
export function apiPath<P extends ApiPath>(template: P, ...args: PathArgs<P>): string {
  const values = (args[0] ?? {}) as Record<string, string | number>;
  return template.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`apiPath: no value for {${name}} in ${template}`);
    return encodeURIComponent(String(value));
  });
}

const LOCATION_PREFIXES = new Set(['body', 'query', 'path', 'header']);

function fieldFromLocation(loc: unknown): string {
  if (Array.isArray(loc)) {
    const parts = loc.map(String);
    while (parts.length > 1 && LOCATION_PREFIXES.has(parts[0])) parts.shift();
    return parts.join('.');
  }
  if (typeof loc === 'string') return loc.replace(/^(body|query|path)\./, '');
  return '';
}

/** Reads the error body the service sends ({detail, errors?}) into an ApiError. */
export function errorFromBody(status: number, body: unknown, statusText = ''): ApiError {
  let detail = '';
  const fieldErrors: FieldError[] = [];
  if (body && typeof body === 'object') {
    const raw = body as { detail?: unknown; errors?: unknown };
    if (typeof raw.detail === 'string') {
      detail = raw.detail;
    } else if (Array.isArray(raw.detail)) {
      // FastAPI's default validation shape: detail is the list of problems.
      for (const item of raw.detail) collectFieldError(item, fieldErrors);
    }
    if (Array.isArray(raw.errors)) {
      for (const item of raw.errors) collectFieldError(item, fieldErrors);
    }
  } else if (typeof body === 'string' && body.trim() && body.length < 300) {
    detail = body.trim();
  }
  if (!detail && fieldErrors.length > 0) {
    detail = fieldErrors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
  }
  if (!detail) {
    detail = `The server answered ${status}${statusText ? ` ${statusText}` : ''}; try again, and check the service log if it keeps failing.`;
  }
  return new ApiError(status, detail, fieldErrors);
}

function collectFieldError(item: unknown, into: FieldError[]) {
  if (!item || typeof item !== 'object') return;
  const raw = item as { loc?: unknown; field?: unknown; msg?: unknown; message?: unknown };
  const message = typeof raw.msg === 'string' ? raw.msg : typeof raw.message === 'string' ? raw.message : '';
  if (!message) return;
  const field = typeof raw.field === 'string' ? raw.field : fieldFromLocation(raw.loc);
  into.push({ field, message });
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Record<string, string | number | boolean | undefined | null>;
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal;
  /** A 401 here is an answer to show (a refused sign-in), not a lost session. */
  quietUnauthorized?: boolean;
  /** Extra request headers, e.g. If-Match with the version a change was made on. */
  headers?: Record<string, string>;
}

type UnauthorizedListener = (error: ApiError) => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/**
 * Calls `listener` whenever the service answers 401 (the session ended or sign-in is required),
 * so the app can show the Sign-in page. Returns the function that stops listening.
 */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** The header the service asks of every change that is not sent as JSON (see web/security.py). */
export const CSRF_HEADER = 'X-Autotuner-CSRF';

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Sends a request; resolves with the body's text, or throws an ApiError with the server's sentence. */
async function send(path: string, options: RequestOptions, accept: string): Promise<{ status: number; text: string }> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { ...options.headers, Accept: accept };
  // The service refuses a change a page on another site could send (no JSON body, no custom
  // header): every change from the UI carries this header, file uploads and body-less POSTs too.
  if (method !== 'GET') headers[CSRF_HEADER] = '1';
  let body: BodyInit | undefined;
  if (options.form) {
    body = options.form;
  } else if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      body,
      signal: options.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'The autotuner service cannot be reached; check that `autotuner serve` is running.');
  }
  const text = response.status === 204 ? '' : await response.text();
  if (!response.ok) {
    const error = errorFromBody(response.status, parseBody(text), response.statusText);
    if (response.status === 401 && !options.quietUnauthorized) for (const listener of unauthorizedListeners) listener(error);
    throw error;
  }
  return { status: response.status, text };
}

function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A JSON endpoint: the parsed body (undefined for 204 No Content). */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { text } = await send(path, options, 'application/json');
  return parseBody(text) as T;
}

/** A text/plain endpoint (logs): the body as it is. */
export async function apiText(path: string, options: RequestOptions = {}): Promise<string> {
  const { text } = await send(path, options, 'text/plain, application/json');
  return text;
}

/** Message to show for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.detail;
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong; try again.';
}
