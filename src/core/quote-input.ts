/**
 * How refusals and errors echo what the model wrote (a node id, a tool name, a JSON pointer, a property name): never
 * whole. A model can send 100 KB in any of them, and an echo of it would fill the transcript, the history and the
 * UI with its own input. Pure: used in the workflow sandbox.
 */

/** Most characters of one piece of model input a message quotes back. */
export const MAX_ECHO_CHARS = 80;

/** `text` cut to `max` characters (never inside a surrogate pair), without quoting. */
function head(text: string, max: number): string {
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/**
 * Text from the model as a message shows it unquoted (a property path): itself when short, else its first
 * `max` characters, `…`, and its length: `a.b.ccccc… (10000 characters)`.
 */
export function clipInput(text: string, max = MAX_ECHO_CHARS): string {
  return text.length <= max ? text : `${head(text, max)}… (${text.length} characters)`;
}

/**
 * A value from the model as a message quotes it: JSON text (`"a"`, `42`, `{"k":1}`) when short, else the first `max`
 * characters, `…`, and the length: `"xxxx…" (10000 characters)`.
 */
export function quoteInput(value: unknown, max = MAX_ECHO_CHARS): string {
  if (typeof value === 'string') return value.length <= max ? JSON.stringify(value) : `${JSON.stringify(`${head(value, max)}…`)} (${value.length} characters)`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length <= max ? text : `${head(text, max)}… (${text.length} characters of JSON)`;
}
