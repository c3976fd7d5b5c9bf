// The sign-in page: posts the form to /auth/sign-in, then goes where the visitor was going (a same-origin path only).
// Wrong password: says so; throttled (429): says how long to wait and keeps the button off until then.
'use strict';

const form = document.getElementById('sign-in');
const button = document.getElementById('submit');
const message = document.getElementById('message');

/**
 * Where to go after signing in: `?next=` when it is a path of this origin, else the app; a view (#/timeline…) the
 * server's redirect carried along is kept.
 */
function nextPath() {
  const next = new URLSearchParams(location.search).get('next') || '/';
  try {
    const url = new URL(next, location.origin);
    if (url.origin === location.origin && next.startsWith('/') && !next.startsWith('//')) return url.pathname + url.search + (url.hash || location.hash);
  } catch { /* not a URL: go to the app */ }
  return '/';
}

function say(text) {
  message.textContent = text;
  message.hidden = !text;
}

let waitTimer;
function waitFor(seconds) {
  clearInterval(waitTimer);
  let left = seconds;
  button.disabled = true;
  const tick = () => {
    if (left <= 0) {
      clearInterval(waitTimer);
      button.disabled = false;
      say('You can try again now.');
      return;
    }
    say(`Too many wrong passwords. Try again in ${left} s.`);
    left -= 1;
  };
  tick();
  waitTimer = setInterval(tick, 1000);
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  button.disabled = true;
  say('');
  try {
    const res = await fetch('/auth/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username: form.username.value, password: form.password.value }),
    });
    if (res.ok) {
      location.replace(nextPath());
      return;
    }
    if (res.status === 429) {
      waitFor(Number(res.headers.get('retry-after')) || 60);
      return;
    }
    const body = await res.json().catch(() => ({}));
    say(res.status === 401 ? 'Wrong user name or password.' : body.error || `Sign-in failed (${res.status}).`);
    form.password.value = '';
    form.password.focus();
  } catch {
    say('The server cannot be reached. Check the connection and try again.');
  }
  button.disabled = false;
});

// Already signed in (or sign-in is off): straight on.
fetch('/auth/session', { headers: { accept: 'application/json' } }).then((res) => res.ok && location.replace(nextPath()), () => {});
