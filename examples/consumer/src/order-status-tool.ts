import { defineTool, ToolError, z } from 'durable-agent/worker';

/** A tool of your own: the status of an order, from your system (here, a table). */
const ORDERS: Record<string, { status: string; eta?: string }> = {
  '42': { status: 'shipped', eta: 'tomorrow' },
  '7': { status: 'processing' },
};

export const orderStatusTool = defineTool({
  name: 'order_status',
  description: 'The status of an order, by its id.',
  input: z.object({ orderId: z.string().describe('The order id') }),
  effects: 'read', // safe to retry: Temporal retries it on failure
  timeout: '5 seconds',
  run: async ({ orderId }) => {
    const order = ORDERS[orderId]; // `{ … } | undefined` under noUncheckedIndexedAccess
    if (!order) throw new ToolError(`there is no order ${orderId}`); // the model sees it; not retried
    return { orderId, ...order };
  },
});
