/**
 * Credentials never reach logs, records or errors. `redactUrl('rtsp://admin:pw@host/x')` gives
 * `rtsp://admin:***@host/x`; `redactText` does the same for every URL inside free text (ffmpeg stderr,
 * error messages) and for any registered secret value (passwords from the config).
 */
const secrets = new Set<string>();

/** Remember a secret value (e.g. an ONVIF password) so that redactText() hides it wherever it appears. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 3) secrets.add(value);
}

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]+):([^\s@/]*)@/gi;

export function redactUrl(url: string): string {
  return url.replace(URL_CREDENTIALS, '$1$2:***@');
}

export function redactText(text: string): string {
  let out = redactUrl(text);
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}
