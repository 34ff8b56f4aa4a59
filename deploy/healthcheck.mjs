// Container healthcheck of every roadpulse service (Dockerfile HEALTHCHECK and docker-compose.yml):
// GET /readyz (bus and store reachable) on the service's own HTTP port; exit 0 on 2xx, else 1.
// Plain Node 20 (global fetch): the slim image has no curl, and a .mjs file needs no tsx.
//   node deploy/healthcheck.mjs [path]     default path /readyz; /healthz checks liveness only
const port = process.env.ROADPULSE_HTTP_PORT || '8080';
const path = process.argv[2] ?? '/readyz';
const url = `http://127.0.0.1:${port}${path}`;

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  if (!res.ok) {
    const body = await res.text().catch(() => '');
    process.stderr.write(`${url}: HTTP ${res.status} ${body.slice(0, 300)}\n`);
    process.exit(1);
  }
  await res.body?.cancel();
  process.exit(0);
} catch (err) {
  process.stderr.write(`${url}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
