export interface JsonResponse<T = unknown> {
  status: number;
  contentType: string;
  body: T;
}

/** GET and parse the JSON body, whatever the status (problem+json included). */
export async function getJson<T = any>(url: string, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: T;
  try {
    body = JSON.parse(text) as T;
  } catch {
    throw new Error(`GET ${url} → ${res.status}, body is not JSON: ${text.slice(0, 300)}`);
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body };
}

/** GET expecting 200 and JSON; returns the body. */
export async function getOk<T = any>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await getJson<T>(url, headers);
  if (res.status !== 200) throw new Error(`GET ${url} → ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}
