/**
 * Escaping for the eval report's HTML page (report-html.ts). Pure: no I/O. Every text that comes from a report (case
 * ids, answers, check details, variant names) passes through it, in element content and in quoted attributes alike.
 */

/** `&`, `<`, `>`, `"` and `'` as numeric character references: safe in text and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
