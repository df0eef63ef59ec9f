import type { SessionUser } from '../src';

/**
 * The session's CSRF token, for the header of every POST: with `SESSION_CSRF=true` a POST that
 * carries the session cookie needs it (`/login` and `/logout` included); without, it is ignored.
 */
const CSRF_TOKEN_SCRIPT = `const csrfToken = async () => (await (await fetch('/csrf')).json()).token;`;

/** The login form: posts JSON to `POST /login` (the sample reads no form-encoded bodies) and shows the answer. */
export function loginPage(): string {
  return page(
    'Log in',
    `<form id="login">
  <label>Username <input name="username" autocomplete="username" required></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  <label><input name="remember" type="checkbox"> Remember me for 30 days</label>
  <button type="submit">Log in</button>
</form>
<p id="result" role="status"></p>
<p><a href="/account">Your account</a></p>
<script>
  const form = document.getElementById('login');
  const result = document.getElementById('result');
  ${CSRF_TOKEN_SCRIPT}
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const fields = new FormData(form);
    const response = await fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': await csrfToken() },
      body: JSON.stringify({
        username: fields.get('username'),
        password: fields.get('password'),
        remember: fields.get('remember') === 'on',
      }),
    });
    const body = await response.json().catch(() => ({}));
    result.textContent = response.ok ? 'Logged in as ' + body.user.username : body.error || 'Error ' + response.status;
  });
</script>`,
  );
}

/** The guarded page: who is logged in, and a button that posts to `POST /logout`. */
export function accountPage(user: SessionUser): string {
  return page(
    'Your account',
    `<p>Logged in as <strong id="username">${escapeHtml(String(user.username ?? user.id))}</strong>
  (roles: <span id="roles">${escapeHtml(user.roles.join(', '))}</span>).</p>
<button id="logout" type="button">Log out</button>
<script>
  ${CSRF_TOKEN_SCRIPT}
  document.getElementById('logout').addEventListener('click', async () => {
    await fetch('/logout', { method: 'POST', headers: { 'x-csrf-token': await csrfToken() } });
    location.assign('/');
  });
</script>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title} · nest-sessions sample</title></head>
<body>
<h1>${title}</h1>
${body}
</body>
</html>
`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]);
}
