import type { AgentDefinition } from '../src/contracts/agent-definition';
import type { AgentRunInput } from '../src/contracts/run-input';
import type { Script } from '../src/scripted-model/script';

/** What the scripted person does for a run: approve its gated calls, answer its questions, raise its budget, talk to a session. */
export type PersonRole = 'approve' | 'reply' | 'raise' | 'send';

/** The messages the person sends a session after the goal's turn, one turn each, then closes it. */
export const SESSION_MESSAGES = 2;
export const sessionMessage = (workflowId: string, index: number) => `message ${index + 1} to ${workflowId}`;

/** One kind of run the campaign starts: its model's script, its input and what the person must do for it. */
export interface Scenario {
  kind: string;
  /** The model name its runs ask for: the scripted model answers each with this scenario's script. */
  model: string;
  script: Script;
  input(goal: string, toolQueue: string): Omit<AgentRunInput, 'goal'>;
  person: PersonRole[];
  /** How its runs must end, when not `final`: the status and what the answer says. */
  expect?: { status: 'failed'; answer: RegExp };
  /** The model faults its script serves that the model server's log cannot tell (HTTP 200 answers), per run. */
  servedFaults?: Record<string, number>;
}

const effect = (name: string, ms = 50) => ({ name: 'effect', arguments: { name: `${name} {{goal}}`, ms } });
/** Model faults the planner retries: a 500, a 429 with Retry-After, a stream cut mid-answer. */
const FAULTS = { status500: { status: 500 }, status429: { status: 429, retryAfterMs: 300 }, cut: { cutAfterChunks: 2 } };

/** The agent the sub-agent scenario calls (the workers offer it as `agent__helper`). */
export const CHAOS_AGENTS: AgentDefinition[] = [{ name: 'helper', description: 'does a counted effect', instructions: 'You are helper.', model: 'chaos-helper', tools: ['effect'] }];

export const HELPER_SCRIPT: Script = { turns: [FAULTS.status500, { toolCalls: [effect('helper')] }, { content: 'helper done' }] };

/** Every kind of work the loop does, each with model faults in its script. */
export const SCENARIOS: Scenario[] = [
  {
    kind: 'parallel',
    model: 'chaos-parallel',
    script: { turns: [FAULTS.status500, { toolCalls: [effect('a'), effect('b'), effect('c')] }, FAULTS.cut, { toolCalls: [effect('d', 200)] }, { content: 'parallel done' }] },
    // Its effects run as fast calls (local activities, docs/fast-steps.md): a completed one must not run again either.
    input: () => ({ maxParallel: 3, fastTools: ['effect'] }),
    person: [],
  },
  {
    kind: 'approval',
    model: 'chaos-approval',
    script: { turns: [{ toolCalls: [effect('gated'), effect('free')] }, FAULTS.status429, { content: 'approval done' }] },
    input: () => ({ requireApproval: ['effect'] }),
    person: ['approve'],
  },
  {
    kind: 'question',
    model: 'chaos-question',
    script: { turns: [{ toolCalls: [{ name: 'ask_user', arguments: { question: 'Which region for {{goal}}?' } }] }, { toolCalls: [effect('after-answer')] }, { content: 'question done: {{observations}}' }] },
    input: () => ({}),
    person: ['reply'],
  },
  {
    kind: 'budget',
    model: 'chaos-budget',
    script: { turns: [{ toolCalls: [effect('spend')] }, FAULTS.cut, { toolCalls: [effect('spend-more')] }, { content: 'budget done' }] },
    input: () => ({ budget: { maxTokens: 1, onExhausted: 'pause' } }),
    person: ['raise'],
  },
  {
    kind: 'continue-as-new',
    model: 'chaos-handover',
    script: { turns: [{ toolCalls: [effect('h1')] }, { toolCalls: [effect('h2')] }, FAULTS.status500, { toolCalls: [effect('h3')] }, { toolCalls: [effect('h4')] }, { content: 'handover done' }] },
    input: () => ({ continueAsNewAtHistoryBytes: 10_000 }),
    person: [],
  },
  {
    kind: 'dag',
    model: 'chaos-dag',
    script: {
      turns: [
        {
          toolCalls: [
            {
              name: 'submit_plan',
              arguments: {
                nodes: [
                  { id: 'A', tool: 'effect', args: { name: 'A {{goal}}', ms: 50 } },
                  { id: 'B', tool: 'effect', args: { name: 'B {{goal}}', ms: 80 } },
                  { id: 'C', tool: 'effect', args: { name: 'C {{goal}}', ms: 30 }, dependsOn: ['A', 'B'] },
                ],
              },
            },
          ],
        },
        { content: 'dag done' },
      ],
    },
    input: () => ({ planning: 'dag', maxParallel: 2 }),
    person: [],
  },
  {
    kind: 'tool-queue',
    model: 'chaos-tool-queue',
    script: { turns: [{ toolCalls: [effect('queued-1'), effect('queued-2')] }, FAULTS.status429, { content: 'tool queue done' }] },
    input: (_goal, toolQueue) => ({ toolQueues: [toolQueue] }),
    person: [],
  },
  {
    kind: 'session',
    model: 'chaos-session',
    script: {
      turns: [
        { toolCalls: [effect('turn-0')] },
        { content: 'turn answered' },
        FAULTS.status500,
        { toolCalls: [effect('turn-1')] },
        { content: 'turn answered' },
        { toolCalls: [effect('turn-2')] },
        FAULTS.cut,
        { content: 'session done' },
      ],
    },
    // Small enough that it hands over while idle between turns, so messages cross continue-as-new.
    input: () => ({ session: true, continueAsNewAtHistoryBytes: 12_000 }),
    person: ['send'],
  },
  {
    kind: 'mcp',
    model: 'chaos-mcp',
    script: {
      turns: [
        { toolCalls: [{ name: 'chaosmcp__record', arguments: { name: 'mcp-a {{goal}}', ms: 50 } }, { name: 'chaosmcp__record', arguments: { name: 'mcp-b {{goal}}', ms: 150 } }, effect('beside-mcp')] },
        FAULTS.status429,
        { content: 'mcp done: {{observations}}' },
      ],
    },
    input: () => ({ maxParallel: 3 }),
    person: [],
  },
  {
    // A tool call whose arguments are not JSON: the loop tells the model, which calls again; the run goes on.
    kind: 'malformed-arguments',
    model: 'chaos-malformed-arguments',
    script: { turns: [{ rawArguments: '{"name": "broken', tool: 'effect' }, { toolCalls: [effect('after-malformed')] }, { content: 'malformed arguments done' }] },
    input: () => ({}),
    person: [],
    servedFaults: { model_malformed_arguments: 1 },
  },
  {
    // An answer that is not a chat completion: not retried (the same request gets the same answer); the run fails, saying why.
    kind: 'malformed-answer',
    model: 'chaos-malformed-answer',
    script: { turns: [{ toolCalls: [effect('before-malformed')] }, { rawBody: 'this is not a chat completion' }] },
    input: () => ({}),
    person: [],
    expect: { status: 'failed', answer: /MalformedOutput|not a usable chat completion|not JSON/ },
    servedFaults: { model_malformed_answer: 1 },
  },
  {
    kind: 'sub-agent',
    model: 'chaos-parent',
    script: { turns: [{ toolCalls: [{ name: 'agent__helper', arguments: { goal: 'help with {{goal}}' } }, effect('beside')] }, { content: 'sub-agent done: {{observations}}' }] },
    input: () => ({ maxParallel: 2 }),
    person: [],
  },
];
