import { defineTool, ToolError } from 'durable-agent/worker';

/** A tool of the user's own: the status of an order, from their system (here, a table). */
const ORDERS: Record<string, { status: string; eta?: string }> = {
  '42': { status: 'shipped', eta: 'tomorrow' },
  '7': { status: 'processing' },
};

export const orderStatusTool = defineTool<{ orderId: string }>({
  name: 'order_status',
  description: 'The status of an order, by its id.',
  inputSchema: { type: 'object', properties: { orderId: { type: 'string', description: 'The order id' } }, required: ['orderId'], additionalProperties: false },
  timeout: '5 seconds',
  run: async ({ orderId }) => {
    const order = ORDERS[orderId];
    if (!order) throw new ToolError(`there is no order ${orderId}`);
    return { orderId, ...order };
  },
});
