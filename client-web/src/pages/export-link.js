// "Copy a link" on the watch and replay pages: asks the node for a signed, read-only link to the
// session's export (POST /v1/links, protocol 9) and puts it on the clipboard. The link opens
// without a token (a viewer or a download tool that cannot send `Authorization`), honours `Range`,
// and ends after an hour or with this page's token, whichever comes first.

import { bearer } from './common.js';

const TTL_SECONDS = 3600;

/**
 * Binds `button`: on click, a fresh link to `/v1/sessions/<session>/events` for this tab's token
 * of that moment (the pages' token provider: a dev token renewed), copied to
 * the clipboard (or shown to select by hand where the clipboard is not available). The last link
 * is kept in `button.dataset.url` and its expiry (epoch ms) in `button.dataset.expires`.
 */
export function bindExportLink(button, session) {
  const label = button.textContent;
  button.hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const res = await fetch('/v1/links', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: await bearer() },
        body: JSON.stringify({ path: `/v1/sessions/${session}/events`, ttlSeconds: TTL_SECONDS }),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(body.message || `HTTP ${res.status}`);
      button.dataset.url = body.url;
      button.dataset.expires = String(body.expires);
      const until = new Date(body.expires).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      button.title = `${body.url}\nvalid until ${until}`;
      let copied = false;
      try {
        await navigator.clipboard.writeText(body.url);
        copied = true;
      } catch {
        // no clipboard (an insecure origin, or no permission): let the person copy it
        window.prompt('A link to the export, valid without a token:', body.url);
      }
      button.textContent = copied ? `Link copied · until ${until}` : label;
    } catch (e) {
      button.textContent = label;
      button.title = `No link: ${e.message}`;
      button.dataset.error = e.message;
    } finally {
      button.disabled = false;
    }
  });
}
