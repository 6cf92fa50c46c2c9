// Container health check: exits 0 when the service's /readyz answers 200 (its dependencies really work),
// 1 otherwise. Used by docker-compose.yml; the image has no curl.
const port = Number(process.argv[2] ?? 8000);
const path = process.argv[3] ?? '/readyz';
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
