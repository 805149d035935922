import { defineTool } from 'durable-agent/worker';

const inventory = new Map<string, number>([['ABC-1', 12]]);

/** A tool described by a JSON Schema instead of zod (as MCP servers describe theirs), validated with ajv. */
export const stockLookupTool = defineTool<{ sku: string }>({
  name: 'stock_lookup',
  description: 'Stock of a product',
  inputSchema: { type: 'object', properties: { sku: { type: 'string', pattern: '^[A-Z]{3}-\\d+$' } }, required: ['sku'] },
  run: async ({ sku }) => ({ sku, inStock: inventory.get(sku) ?? 0 }),
});
