// The live stream (GET /api/live) read with fetch, not EventSource: the page sees every failure itself,
// counts its attempts for the "reconnecting" banner, and treats silence as a failure: frames come every
// second and heartbeats every few, so a stream that says nothing for `silenceMs` is dead even if no
// error arrived (a controller frozen, a proxy holding the connection). Reconnects with a growing pause.
const MAX_PAUSE_MS = 5000;

/** Splits a buffer of server-sent events into complete messages; returns [messages, rest]. */
export function parseEvents(buffer) {
  const messages = [];
  let rest = buffer;
  for (let end = rest.indexOf('\n\n'); end >= 0; end = rest.indexOf('\n\n')) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length) messages.push({ event, data: JSON.parse(data.join('\n')) });
  }
  return [messages, rest];
}

/**
 * Connects and stays connected until stop(). `on.message(event, data)` gets every message; `on.state`
 * gets {connected, attempt, error, status} (status: the HTTP status of a refused connection, 401 when a
 * token is needed). `opts.headers()` gives the headers of each attempt (the token, read anew each time).
 */
export function connect(url, on, opts = {}) {
  let stopped = false;
  let current = null;
  let silence = null;
  let silenceMs = opts.silenceMs ?? 6000;
  /** Failures since the last good connection: the banner's attempt count and the pause before the next. */
  let failures = 0;
  const arm = () => {
    clearTimeout(silence);
    silence = setTimeout(() => current?.abort(new Error(`no word from the controller for ${silenceMs / 1000} s`)), silenceMs);
  };

  async function once() {
    current = new AbortController();
    arm();
    const res = await fetch(url, { signal: current.signal, cache: 'no-store', headers: { accept: 'text/event-stream', ...(opts.headers?.() ?? {}) } });
    if (!res.ok || !res.body) throw Object.assign(new Error(`the controller answered ${res.status}`), { status: res.status });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the controller closed the stream');
      arm();
      let messages;
      [messages, buffer] = parseEvents(buffer + value);
      for (const { event, data } of messages) {
        if (event === 'hello') {
          if (data.heartbeatMs) silenceMs = Math.max(3 * data.heartbeatMs, 3 * (data.intervalMs ?? 1000));
          failures = 0;
          on.state({ connected: true, attempt: 0, error: null });
        }
        on.message(event, data);
      }
    }
  }

  (async () => {
    while (!stopped) {
      try {
        await once();
      } catch (err) {
        if (stopped) break;
        failures++;
        on.state({ connected: false, attempt: failures, error: String(err?.message ?? err), status: err?.status ?? null });
      }
      clearTimeout(silence);
      await new Promise((r) => setTimeout(r, Math.min(MAX_PAUSE_MS, 500 * failures)));
    }
  })();

  return {
    stop() {
      stopped = true;
      clearTimeout(silence);
      current?.abort();
    },
  };
}
