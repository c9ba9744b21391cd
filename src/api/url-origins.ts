/**
 * URLs in text shown as their origin only (scheme, host, port). RPC providers put the account's
 * key in the user info, the path (`/v2/KEY`) or the query, and /health's detail is readable by
 * any signed-in viewer or viewer API key: an endpoint is named there, never its secret parts.
 */
const URL_IN_TEXT = /\b(?:https?|wss?):\/\/[^\s"'<>(),]+/gi;

export function urlsAsOrigins(text: string): string {
  return text.replace(URL_IN_TEXT, (found) => {
    try {
      const url = new URL(found);
      return `${url.protocol}//${url.host}`;
    } catch {
      return '[url]';
    }
  });
}
