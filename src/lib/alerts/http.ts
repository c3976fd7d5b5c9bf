import { errorMessage } from '../errors.js';

/**
 * One HTTP delivery attempt, shared by the HTTP sinks: any 2xx is a delivery and its answer (status and the start of
 * the body) is returned for logs and `cctv alert test`; anything else, a network error or the timeout rejects. URLs
 * often carry secrets (an ntfy topic, a Telegram bot token), so messages name the sink, never the URL.
 */
export async function deliverHttp(sink: string, url: string, init: RequestInit, timeoutMs = 10_000): Promise<{ answer: string }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(`${sink}: ${errorMessage((err as { cause?: unknown }).cause ?? err)}`);
  }
  const text = await res.text().catch(() => '');
  const answer = `HTTP ${res.status}${text.trim() ? ` ${oneLine(text)}` : ''}`;
  if (!res.ok) throw new Error(`${sink}: ${answer}`);
  return { answer };
}

/** The start of a receiver's answer on one line. */
function oneLine(text: string, max = 200): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** A JPEG as a multipart file part. */
export function jpegPart(bytes: Buffer): Blob {
  return new Blob([bytes], { type: 'image/jpeg' });
}

/** Pure: a file name for an alert's picture or clip, e.g. `front-20240501T120003Z.jpg`. */
export function mediaFileName(camera: string, at: string, ext: 'jpg' | 'mp4'): string {
  return `${camera}-${at.replace(/[-:]|\.\d+/g, '')}.${ext}`;
}
