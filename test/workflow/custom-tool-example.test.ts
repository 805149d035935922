import { createTicketTool, TicketStore } from '../../examples/create-ticket-tool';
import { toolMessagesByCallId, withAgent } from '../helpers/agent';

/** The "Writing a tool" example of docs/tools.md, run by a real worker against the real server. */
describe('examples/create-ticket-tool.ts', () => {
  jest.setTimeout(60_000);

  it('creates one ticket per call even when an attempt fails after the side effect', async () => {
    const store = new TicketStore();
    const tool = createTicketTool(store);
    // The first attempt of every call crashes right after the ticket system accepted it.
    let attempts = 0;
    const crashAfterEffect = {
      ...tool,
      run: async (input: unknown, context: Parameters<typeof tool.run>[1]) => {
        const output = await tool.run(input, context);
        attempts += 1;
        if (context.attempt === 1) throw new Error('connection lost after the ticket was created');
        return output;
      },
    };
    const script = {
      turns: [
        {
          toolCalls: [
            { name: 'create_ticket', arguments: { title: 'Printer on fire', priority: 'high' } },
            { name: 'create_ticket', arguments: { title: 'Coffee machine empty' } },
            { name: 'create_ticket', arguments: { title: 'my password is hunter2' } },
          ],
        },
        { content: 'Opened: {{observations}}' },
      ],
    };
    await withAgent(script, [crashAfterEffect], async ({ run }) => {
      const { handle, result } = await run({ goal: 'open tickets', allowedTools: ['create_ticket'] });
      expect(result).toMatchObject({ status: 'final', toolCalls: { ok: 2, failed: 1 } });
      expect(attempts).toBe(4);
      // The calls ran in parallel, so the tickets' order is not fixed.
      const tickets = [...store.tickets.values()].sort((a, b) => a.title.localeCompare(b.title));
      expect(tickets).toEqual([
        expect.objectContaining({ title: 'Coffee machine empty', priority: 'normal' }),
        expect.objectContaining({ title: 'Printer on fire', priority: 'high' }),
      ]);
      const messages = await toolMessagesByCallId(handle);
      expect(messages.get('call_1_3')).toBe('Error: ToolError: tickets must not contain credentials; describe the problem without them');
    });
  });
});
