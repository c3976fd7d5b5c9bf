/**
 * Credentials never reach logs, records or errors. `redactUrl('rtsp://admin:pw@host/x')` gives
 * `rtsp://admin:***@host/x`; `redactText` does the same for every URL inside free text (ffmpeg stderr, error
 * messages, stacks) and hides every registered secret value (passwords from the config, camera URL passwords)
 * in each form it can take on the way out: as written, JSON-escaped (a log line, a record), twice JSON-escaped (a
 * message quoted inside a logged JSON string) and URL-encoded (inside a URL).
 */
const secrets = new Set<string>();
/** The registered forms, longest first (so a longer form is hidden whole before a shorter one inside it). */
let forms: string[] = [];

const jsonEscaped = (s: string) => JSON.stringify(s).slice(1, -1);

/** Remember a secret value (e.g. an ONVIF password) so that redactText() hides it wherever it appears. */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 3) return;
  const before = secrets.size;
  for (const form of [value, jsonEscaped(value), jsonEscaped(jsonEscaped(value)), encodeURIComponent(value)]) secrets.add(form);
  if (secrets.size !== before) forms = [...secrets].sort((a, b) => b.length - a.length);
}

/**
 * `scheme://` and the authority after it: up to the first `/`, `?`, `#`, quote, `<`, `>` or space. A JSON escape
 * (`\"` in a log line) stays inside it. Its user information ends at the authority's *last* `@`: RFC 3986 forbids
 * `@` in a password, but cameras accept `Admin@123` unencoded and ffmpeg splits at the last `@` as well.
 */
const URL_AUTHORITY = /\b([a-z][a-z0-9+.-]*:\/\/)((?:\\.|[^\s/?#"'<>\\])+)/gi;

/**
 * The user and password of one URL (a camera's, from the config), split as ffmpeg splits it: the authority runs to
 * the first `/`, `?` or `#`, the user information to its last `@`. Null without a password. Quotes may be part of
 * it here (in free text they end a URL, so such a password is hidden as a registered secret: see load.ts).
 */
export function urlCredentials(url: string): { user: string; password: string } | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url);
  if (!m) return null;
  const at = m[1]!.lastIndexOf('@');
  const colon = at < 0 ? -1 : m[1]!.indexOf(':');
  if (colon < 0 || colon > at) return null;
  return { user: m[1]!.slice(0, colon), password: m[1]!.slice(colon + 1, at) };
}

export function redactUrl(url: string): string {
  return url.replace(URL_AUTHORITY, (whole, scheme: string, authority: string) => {
    const at = authority.lastIndexOf('@');
    const colon = authority.indexOf(':');
    if (at < 0 || colon < 0 || colon > at) return whole;
    return `${scheme}${authority.slice(0, colon)}:***${authority.slice(at)}`;
  });
}

export function redactText(text: string): string {
  let out = redactUrl(text);
  for (const s of forms) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}
