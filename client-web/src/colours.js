// Stable member colours, shared by the client library and the pages (no other imports, so the
// landing page does not pull in the protocol code).

/** A pleasant, stable colour for a name. */
export function colourFor(name) {
  let h = 0;
  for (const ch of String(name)) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return `hsl(${h % 360} 70% 45%)`;
}
