/**
 * A complete custom tool: `create_ticket` opens a ticket in a ticket system. It changes the world, so it
 * uses the idempotency key: a retried attempt (after a timeout or a crash) gets back the ticket the first
 * attempt created instead of opening a second one.
 *
 * Register it on a worker:  runWorker({ tools: [createTicketTool(new TicketStore())] })
 */
import { defineTool, ToolError, z, type Tool } from 'durable-agent/worker';

export interface Ticket {
  id: string;
  title: string;
  priority: 'low' | 'normal' | 'high';
}

/** Stand-in for a real ticket system that accepts an idempotency key (most payment and ticket APIs do). */
export class TicketStore {
  readonly tickets = new Map<string, Ticket>();
  private readonly byKey = new Map<string, string>();

  async create(idempotencyKey: string, fields: Omit<Ticket, 'id'>): Promise<Ticket> {
    const existing = this.byKey.get(idempotencyKey);
    if (existing) return this.tickets.get(existing) as Ticket;
    const ticket = { id: `T-${this.tickets.size + 1}`, ...fields };
    this.tickets.set(ticket.id, ticket);
    this.byKey.set(idempotencyKey, ticket.id);
    return ticket;
  }
}

export function createTicketTool(store: TicketStore): Tool {
  return defineTool({
    name: 'create_ticket',
    description: 'Open a support ticket and return its id.',
    input: z.object({
      title: z.string().min(3).max(200).describe('One-line summary of the problem'),
      priority: z.enum(['low', 'normal', 'high']).default('normal').describe('How urgent it is'),
    }),
    effects: 'mutating',
    // The store deduplicates by context.idempotencyKey, so a retried attempt cannot open a second ticket.
    usesIdempotencyKey: true,
    timeout: '10 seconds',
    retry: { maximumAttempts: 5 },
    summaryField: 'title',
    run: async (input, context) => {
      if (/password|secret/i.test(input.title)) {
        // An expected refusal: the model sees this message and no retry happens.
        throw new ToolError('tickets must not contain credentials; describe the problem without them');
      }
      const ticket = await store.create(context.idempotencyKey, input);
      context.log.info('ticket created', { id: ticket.id, attempt: context.attempt });
      return ticket;
    },
  });
}
