import type { Script } from '../scripted-model/script';

/**
 * The built-in offline demo: what `durable-agent run` plays when no OPENAI_API_KEY and no --script are given.
 * It exercises the real loop: three tool calls in parallel, a durable timer, summarized observations.
 */
export const DEMO_SCRIPT: Script = {
  turns: [
    {
      toolCalls: [
        { name: 'list_dir', arguments: { path: '.' } },
        { name: 'read_file', arguments: { path: 'README.md' } },
        { name: 'read_file', arguments: { path: 'package.json' } },
      ],
    },
    { toolCalls: [{ name: 'wait', arguments: { seconds: 1, reason: 'a durable timer: no worker slot held' } }] },
    {
      content:
        'This was the scripted demo model (no LLM was called). For the goal "{{goal}}" it listed the workspace and read ' +
        'two files in parallel, then waited on a durable timer. What it saw last: {{observations}}',
    },
  ],
};
