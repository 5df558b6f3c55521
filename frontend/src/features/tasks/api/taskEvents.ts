/**
 * Live updates from the server's event streams (server-sent events, see the README's "Watching a run").
 *
 * A page opens one EventSource per stream it shows; each event refreshes the cached data it
 * concerns (a few events in a burst cause one fetch). EventSource reconnects by itself and sends
 * the last event id it got, so nothing is missed after a network hiccup. Only when a stream
 * cannot be opened (or keeps failing) do the queries fall back to slow polling.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

/** How often data is fetched again when its stream has failed (the fallback; none otherwise). */
export const FALLBACK_POLL_MS = 15_000;

/** After this many errors in a row, the stream counts as failed (EventSource still retries). */
const ERRORS_BEFORE_FALLBACK = 3;

/** The event names the streams send. */
export const STREAM_EVENTS = [
  'ready',
  'status',
  'experiment.started',
  'experiment.status',
  'experiment.finished',
  'experiments.cleared',
  'log',
  'end',
] as const;
export type StreamEventKind = (typeof STREAM_EVENTS)[number];

/** `connecting` until the first event or open; `failed` means the data falls back to polling. */
export type StreamState = 'off' | 'connecting' | 'live' | 'ended' | 'failed';

export type StreamData = Record<string, unknown>;

/**
 * Follow `url` (null: no stream) and call `onEvent` for each event. The stream closes at its
 * `end` event and when `url` changes or the component goes away.
 */
export function useEventStream(url: string | null, onEvent: (kind: StreamEventKind, data: StreamData) => void): StreamState {
  // The state of the stream of `url` (a state for another url is stale: that stream is closed).
  const [current, setCurrent] = useState<{ url: string; state: StreamState } | null>(null);
  const handler = useRef(onEvent);
  useEffect(() => {
    handler.current = onEvent;
  });

  useEffect(() => {
    if (!url || typeof EventSource === 'undefined') return undefined;
    const setState = (state: StreamState) => setCurrent({ url, state });
    const source = new EventSource(url, { withCredentials: true });
    let errors = 0;
    const listener = (event: MessageEvent<string>) => {
      errors = 0;
      const kind = event.type as StreamEventKind;
      if (kind === 'end') {
        source.close();
        setState('ended');
      } else {
        setState('live');
      }
      let data: StreamData = {};
      try {
        data = JSON.parse(event.data) as StreamData;
      } catch {
        // An event without JSON data carries nothing more than its name.
      }
      handler.current(kind, data);
    };
    for (const kind of STREAM_EVENTS) source.addEventListener(kind, listener as EventListener);
    source.onopen = () => {
      errors = 0;
      setState('live');
    };
    source.onerror = () => {
      errors += 1;
      // CLOSED: the server refused the stream (signed out, task gone): EventSource gives up.
      if (source.readyState === EventSource.CLOSED || errors >= ERRORS_BEFORE_FALLBACK) setState('failed');
    };
    return () => source.close();
  }, [url]);

  if (!url) return 'off';
  if (typeof EventSource === 'undefined') return 'failed';
  return current?.url === url ? current.state : 'connecting';
}

/** `fn` called at most once per `ms`, after the burst that asked for it. */
export function useBatched(fn: () => void, ms = 250): () => void {
  const latest = useRef(fn);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    latest.current = fn;
  });
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      latest.current();
    }, ms);
  }, [ms]);
}
