/** Value of one Prometheus sample in /metrics text, e.g. ('roadpulse_readings_rejected_total', { reason: 'schema' }). */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | null {
  const wanted = Object.entries(labels);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (have.size === wanted.length && wanted.every(([k, v]) => have.get(k) === v)) return Number(m[3]);
  }
  return null;
}

export async function fetchMetrics(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics → ${res.status}`);
  return res.text();
}

/** roadpulse_readings_rejected_total{reason} now (throws if the series is missing). */
export async function rejectedCount(baseUrl: string, reason: string): Promise<number> {
  const value = sampleValue(await fetchMetrics(baseUrl), 'roadpulse_readings_rejected_total', { reason });
  if (value === null) throw new Error(`no roadpulse_readings_rejected_total{reason="${reason}"} in /metrics`);
  return value;
}
