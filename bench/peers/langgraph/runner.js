// @ts-check
/**
 * The LangGraph.js peer, in its own process: LangGraph's prebuilt `createReactAgent` with `SqliteSaver` on a file
 * (LANGGRAPH_SQLITE_FILE), `ChatOpenAI` pointed at the bench's scripted model, and a `work` tool that sleeps `ms`
 * and returns `bytes` bytes, as the bench's `work` tool.
 *
 * Talks JSON lines: prints `{"ready":true}` once the checkpointer is open, then reads one command a line on stdin
 * and prints one result a line on stdout, with the command's `id`:
 *   {id, cmd: 'overhead', baseURL, model, steps, calls, callMs}
 *     → {id, ok: true, modelCallsMs: number[], toolWindowsMs: number[]}: when each model request was sent
 *       (performance.now(), by a wrapped `fetch`) and, per step, first tool start → last tool end
 *   {id, cmd: 'throughput', baseURL, model, runs, steps, calls, callMs}
 *     → {id, ok: true, wallMs}: `runs` agent runs started at once, first start → last end
 *   any failure → {id, ok: false, error}
 * Every run gets its own thread_id and is checked: steps + 1 model answers, steps × calls tool results, no tool
 * error, the answer `done`. Exits when stdin ends.
 */
const { performance } = require('node:perf_hooks');
const { createInterface } = require('node:readline');
const { setTimeout: sleep } = require('node:timers/promises');
const { SqliteSaver } = require('@langchain/langgraph-checkpoint-sqlite');
const { createReactAgent } = require('@langchain/langgraph/prebuilt');
const { tool } = require('@langchain/core/tools');
const { ChatOpenAI } = require('@langchain/openai');
const { z } = require('zod');

/** @param {string} name */
function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`Expected the environment variable \`${name}\` to be set, got nothing`);
  return value;
}

/**
 * @typedef {{ start: number, end: number }} ToolSpan
 * @typedef {{ toolSpans?: ToolSpan[] }} RunContext
 */

/**
 * The `work` tool: one instance per agent so an overhead run can record when each call ran (`spans`).
 * @param {ToolSpan[] | undefined} spans
 */
function workTool(spans) {
  return tool(
    async ({ ms, bytes }) => {
      const start = performance.now();
      await sleep(ms);
      spans?.push({ start, end: performance.now() });
      return 'w'.repeat(bytes);
    },
    {
      name: 'work',
      description: 'Works for `ms` milliseconds, then returns `bytes` bytes.',
      schema: z.object({ ms: z.number().int().min(0), bytes: z.number().int().min(0).default(16) }),
    },
  );
}

/**
 * A model client on the scripted model; `sent` (when given) gets the time each request leaves for the server.
 * @param {string} baseURL
 * @param {string} model
 * @param {number[] | undefined} sent
 */
function chatModel(baseURL, model, sent) {
  /** @type {typeof fetch} */
  const timedFetch = (input, init) => {
    sent?.push(performance.now());
    return fetch(input, init);
  };
  return new ChatOpenAI({ model, apiKey: 'bench', maxRetries: 0, configuration: { baseURL, fetch: timedFetch } });
}

let threads = 0;

/**
 * Runs one agent to its answer and refuses a run that did not do the scripted work.
 * @param {ReturnType<typeof createReactAgent>} agent
 * @param {number} steps
 * @param {number} calls
 */
async function runAgent(agent, steps, calls) {
  threads += 1;
  const threadId = `lg-${process.pid}-${threads}`;
  const state = await agent.invoke(
    { messages: [{ role: 'user', content: `bench run ${threadId}` }] },
    { configurable: { thread_id: threadId }, recursionLimit: 2 * steps + 10 },
  );
  /** @type {Array<{ getType(): string, content: unknown, status?: string }>} */
  const messages = state.messages;
  const answers = messages.filter((message) => message.getType() === 'ai').length;
  const results = messages.filter((message) => message.getType() === 'tool');
  const errors = results.filter((message) => message.status === 'error' || message.content !== 'w'.repeat(16)).length;
  const text = messages.at(-1)?.content;
  if (answers !== steps + 1 || results.length !== steps * calls || errors !== 0 || text !== 'done') {
    throw new Error(
      `the run ${threadId} did not do the scripted work: expected ${steps + 1} model answers, ${steps * calls} tool results, 0 errors and "done", got ` +
        JSON.stringify({ answers, toolResults: results.length, errors, text }),
    );
  }
}

/** @param {any} command */
async function overhead(command) {
  /** @type {number[]} */
  const sent = [];
  /** @type {ToolSpan[]} */
  const spans = [];
  const agent = createReactAgent({ llm: chatModel(command.baseURL, command.model, sent), tools: [workTool(spans)], checkpointSaver });
  await runAgent(agent, command.steps, command.calls);
  // Step k's tool calls ran between model request k and k+1.
  const toolWindowsMs = sent.slice(0, -1).map((from, step) => {
    const to = sent[step + 1] ?? Number.POSITIVE_INFINITY;
    const inStep = spans.filter((span) => span.start >= from && span.end <= to);
    return inStep.length === 0 ? 0 : Math.max(...inStep.map((span) => span.end)) - Math.min(...inStep.map((span) => span.start));
  });
  return { modelCallsMs: sent, toolWindowsMs };
}

/** @param {any} command */
async function throughput(command) {
  const agent = createReactAgent({ llm: chatModel(command.baseURL, command.model, undefined), tools: [workTool(undefined)], checkpointSaver });
  const start = performance.now();
  await Promise.all(Array.from({ length: command.runs }, () => runAgent(agent, command.steps, command.calls)));
  return { wallMs: performance.now() - start };
}

const checkpointSaver = SqliteSaver.fromConnString(required('LANGGRAPH_SQLITE_FILE'));

/** @param {unknown} reply */
function send(reply) {
  process.stdout.write(`${JSON.stringify(reply)}\n`);
}

async function main() {
  // Opens the file and creates the tables now, so the first run does not pay for it.
  await checkpointSaver.getTuple({ configurable: { thread_id: 'warm-up' } });
  send({ ready: true });
  /** @type {Promise<void>[]} */
  const running = [];
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    /** @type {any} */
    let command;
    try {
      command = JSON.parse(line);
    } catch {
      send({ ok: false, error: `not a JSON command: ${line.slice(0, 200)}` });
      continue;
    }
    const handler = command.cmd === 'overhead' ? overhead : command.cmd === 'throughput' ? throughput : undefined;
    running.push(
      (handler ? handler(command) : Promise.reject(new Error(`unknown command ${JSON.stringify(command.cmd)}`))).then(
        (result) => send({ id: command.id, ok: true, ...result }),
        (/** @type {unknown} */ error) => send({ id: command.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      ),
    );
  }
  await Promise.all(running);
  checkpointSaver.db.close();
}

main().catch((/** @type {unknown} */ error) => {
  process.stderr.write(`langgraph peer failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
