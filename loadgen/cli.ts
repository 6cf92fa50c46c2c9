// `cascade-lab loadgen URL --rate R|max --connections C --duration D [--json]`: one run from the command
// line, wrk-style text or JSON at the end, one progress line per second on stderr. Bad input exits 2
// with the option's name; Ctrl-C ends the run early and still prints what it measured.
import { Argument, Command, InvalidArgumentError } from 'commander';
import { LoadGenerator } from './generator.js';
import {
  parseDuration,
  parseHeader,
  parseIntIn,
  parseMethod,
  parseRate,
  parseSuccessStatuses,
  parseTargetUrl,
  type Rate,
} from './options.js';
import { progressLine, renderJson, renderText, summarize, type Summary } from './report.js';

export interface LoadgenOptions {
  rate: Rate;
  connections: number;
  pipelining: number;
  /** ms */
  duration: number;
  /** ms */
  timeout: number;
  json: boolean;
  quiet: boolean;
  method: string;
  header: [string, string][];
  body?: string;
  success: Uint8Array;
}

export interface LoadgenIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Ends the run early (the CLI wires SIGINT to it). */
  signal?: AbortSignal;
}

/** Runs one load test and writes its report; returns the summary. */
export async function loadgenCommand(url: string, opts: LoadgenOptions, io: LoadgenIo = process): Promise<Summary> {
  const tty = io.stderr.isTTY === true;
  const gen = new LoadGenerator({
    url,
    rate: opts.rate,
    connections: opts.connections,
    pipelining: opts.pipelining,
    timeoutMs: opts.timeout,
    method: opts.method,
    headers: Object.fromEntries(opts.header),
    ...(opts.body !== undefined ? { body: opts.body } : {}),
    successStatuses: opts.success,
    onSecond: opts.quiet ? undefined : (s) => io.stderr.write(tty ? `\r\x1b[2K${progressLine(s)}` : `${progressLine(s)}\n`),
  });
  const onAbort = () => void gen.stop();
  io.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const summary = summarize(await gen.run(opts.duration));
    if (tty && !opts.quiet) io.stderr.write('\r\x1b[2K');
    io.stdout.write(opts.json ? renderJson(summary) : renderText(summary));
    return summary;
  } finally {
    io.signal?.removeEventListener('abort', onAbort);
  }
}

/** Adapts a parser from options.ts to commander, which then names the option in its error. */
const arg =
  <T>(parse: (text: string) => T) =>
  (text: string): T => {
    try {
      return parse(text);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };

/** Adds the `loadgen` subcommand to the cascade-lab CLI. */
export function registerLoadgen(program: Command): Command {
  const cmd = program
    .command('loadgen')
    .description('open-loop HTTP load at a fixed arrival rate (or --rate max), with HDR latency and per-second counts')
    .addArgument(new Argument('<url>', 'target URL, e.g. http://127.0.0.1:8080/').argParser(arg(parseTargetUrl)))
    .requiredOption('--rate <r|max>', 'requests per second, or max for closed-loop saturation', arg(parseRate))
    .option('--connections <n>', 'keep-alive connections', arg((t) => parseIntIn(t, 1, 10_000)), 10)
    .option('--pipelining <n>', 'requests in flight per connection', arg((t) => parseIntIn(t, 1, 256)), 1)
    .option('--duration <d>', 'how long to send: 500ms, 10s, 2m', arg(parseDuration), 10_000)
    .option('--timeout <d>', 'per-request timeout (connect, headers, body, and time waiting to be sent)', arg(parseDuration), 10_000)
    .option('--method <m>', 'HTTP method', arg(parseMethod), 'GET')
    .option('--header <h>', '"Name: value", repeatable', (t: string, prev: [string, string][]) => [...prev, arg(parseHeader)(t)], [])
    .option('--body <text>', 'request body')
    .option('--success <codes>', 'statuses that count as success, e.g. 200-399,404', arg(parseSuccessStatuses), parseSuccessStatuses('200-399'))
    .option('--json', 'print only the JSON summary on stdout', false)
    .option('--quiet', 'no progress lines on stderr', false)
    .action(async (url: URL, opts: LoadgenOptions) => {
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once('SIGINT', onSigint);
      try {
        await loadgenCommand(url.href, opts, { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
  // Usage errors exit 2 (help and --version still exit 0).
  cmd.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
  return cmd;
}
