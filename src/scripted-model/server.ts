import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OMITTED_TURNS_PATTERN } from '../core/transcript';
import { quirkyCompletion, rejectedParam, unsupportedParamError } from './quirks';
import { faultFor, type Answer } from './script';
import { chunksOf, sendStream } from './stream';
import { transcriptProblem, type ChatMessage } from './transcript-check';

/** The parts of a Chat Completions request the scripted model reads. */
interface ChatRequest {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages?: ChatMessage[];
  tools?: Array<{ function?: { name?: string } }>;
}

/** One request as the scripted model saw it; tests assert on these. */
export interface ScriptedRequest {
  turn: number;
  bytes: number;
  messages: number;
  tools: string[];
  /** HTTP status served (200 for answers; 0 for an answer cut by a `cutAfterChunks` fault). */
  status: number;
  /** What `{{observations}}` expanded to for this request. */
  observations: string;
  /** Text of the conversation's first message when it is a system message (the run's system prompt), else ''. */
  systemPrompt: string;
  /** The request's top-level parameters, sorted (`model`, `messages`, `stream_options`, `parallel_tool_calls`, …). */
  params: string[];
}

export interface ScriptedModelServer {
  /** Base URL for the `openai` client (`OPENAI_BASE_URL`), ending in `/v1`. */
  readonly baseURL: string;
  readonly port: number;
  /** Requests served so far (the newest 10,000). */
  readonly requests: ScriptedRequest[];
  close(): Promise<void>;
}

export interface ScriptedModelOptions {
  /** Scripts chosen by the request's `model` name; other models get the main script. */
  scriptsByModel?: ReadonlyMap<string, readonly Answer[]>;
  /** @default 0 (a free port) */
  port?: number;
  /** Only loopback is used. @default '127.0.0.1' */
  host?: string;
  /** Streamed answers (`stream: true`): the pause between two chunks, unless a turn sets its own. @default 0 */
  chunkDelayMs?: number;
  /** Every request carrying one of these top-level parameters gets a 400 naming it (as a turn's `rejectParams`). */
  rejectParams?: readonly string[];
}

const MAX_LOGGED_REQUESTS = 10_000;
const MAX_BODY_BYTES = 64 * 1024 * 1024;

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part: { text?: unknown }) => (typeof part?.text === 'string' ? part.text : '')).join('');
  return '';
}

/** Tool and observation messages after the last assistant message: what the model was shown last. */
function observationsOf(messages: NonNullable<ChatRequest['messages']>): string {
  let lastAssistant = -1;
  messages.forEach((message, index) => {
    if (message.role === 'assistant') lastAssistant = index;
  });
  if (lastAssistant < 0) return '';
  return messages
    .slice(lastAssistant + 1)
    .map((message) => textOf(message.content))
    .join('\n');
}

function render(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (match, name: string) => values[name] ?? match);
}

/** Renders `{{goal}}` and `{{turn}}` in every string of a call's arguments (never `{{observations}}`: arguments stay small). */
function renderArguments(value: unknown, values: { goal: string; turn: string }): unknown {
  if (typeof value === 'string') return value.includes('{{') ? render(value, values) : value;
  if (Array.isArray(value)) return value.map((item) => renderArguments(item, values));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderArguments(item, values)]));
  return value;
}

function tokens(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 4));
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Builds the 200 answer for turn `turnIndex` (0-based). */
function completionFor(answers: readonly Answer[], turnIndex: number, chat: ChatRequest, requestBytes: number, observations: string): unknown {
  // `{ rawBody }` is sent byte for byte; anything else as JSON.
  const messages = chat.messages ?? [];
  const toolsOffered = (chat.tools ?? []).map((tool) => tool.function?.name ?? '').filter(Boolean);
  const goal = textOf(messages.find((message) => message.role === 'user')?.content);
  const values = { observations, goal, turn: String(turnIndex + 1) };
  const answer = answers[turnIndex]?.turn;
  if (answer?.rawBody !== undefined) return { rawBody: answer.rawBody };
  if (answer?.rawResponse !== undefined) return answer.rawResponse;

  let content: string | null = null;
  let calls: Array<{ id?: string; name: string; arguments: string }> = [];
  if (!answer) {
    content = `The script has no turn ${turnIndex + 1}; it ends after ${answers.length} turns.`;
  } else {
    calls = (answer.toolCalls ?? []).map((call) => ({
      ...(call.id !== undefined ? { id: call.id } : {}),
      name: call.name,
      arguments: call.rawArguments ?? JSON.stringify(renderArguments(call.arguments ?? {}, { goal, turn: values.turn })),
    }));
    if (answer.rawArguments !== undefined) calls.push({ name: answer.tool ?? toolsOffered[0] ?? 'unknown', arguments: answer.rawArguments });
    if (answer.content !== undefined) content = render(answer.content, values);
    if (calls.length > 0 && toolsOffered.length === 0) {
      // The last turn at the step cap offers no tools: answer in words instead.
      calls = [];
      content = render('(scripted model: no tools were offered on turn {{turn}}) Last observations: {{observations}}', values);
    }
  }
  const toolCalls = calls.map(({ id, ...call }, index) => ({
    id: id ?? `call_${turnIndex + 1}_${index + 1}`,
    type: 'function',
    function: call,
  }));
  const outputBytes = Buffer.byteLength(content ?? '') + Buffer.byteLength(JSON.stringify(toolCalls));
  return {
    id: `chatcmpl-scripted-${turnIndex + 1}`,
    object: 'chat.completion',
    created: 0,
    model: chat.model ?? 'scripted',
    choices: [
      {
        index: 0,
        finish_reason: answer?.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop'),
        message: { role: 'assistant', content, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
      },
    ],
    usage: { prompt_tokens: tokens(requestBytes), completion_tokens: tokens(outputBytes), total_tokens: tokens(requestBytes) + tokens(outputBytes) },
  };
}

/**
 * An OpenAI-compatible Chat Completions server that answers from a script (docs/scripted-model.md). The turn is chosen
 * from the request itself: turn k = the number of assistant messages already in the conversation, so it is
 * stateless across runs and retries. Faults count attempts per identical conversation.
 */
export async function startScriptedModel(answers: readonly Answer[], options: ScriptedModelOptions = {}): Promise<ScriptedModelServer> {
  const requests: ScriptedRequest[] = [];
  const attempts = new Map<string, number>();

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method === 'GET' && request.url?.startsWith('/v1/models')) {
      sendJson(response, 200, { object: 'list', data: [{ id: 'scripted', object: 'model', owned_by: 'durable-agent' }] });
      return;
    }
    if (request.method !== 'POST' || !request.url?.startsWith('/v1/chat/completions')) {
      sendJson(response, 404, { error: { message: `the scripted model serves POST /v1/chat/completions, not ${request.method} ${request.url}`, type: 'not_found' } });
      return;
    }
    const body = await readBody(request);
    let chat: ChatRequest;
    try {
      chat = JSON.parse(body) as ChatRequest;
    } catch {
      sendJson(response, 400, { error: { message: 'the request body is not JSON', type: 'invalid_request_error' } });
      return;
    }
    const messages = Array.isArray(chat.messages) ? chat.messages : [];
    // Turn k = assistant messages so far, plus the turns a compacted transcript says it dropped.
    const omitted = messages.map((message) => OMITTED_TURNS_PATTERN.exec(textOf(message.content))).find(Boolean);
    const turnIndex = messages.filter((message) => message.role === 'assistant').length + Number(omitted?.[1] ?? 0);
    const script = (chat.model ? options.scriptsByModel?.get(chat.model) : undefined) ?? answers;
    const answer = script[turnIndex];
    const observations = observationsOf(messages);
    const systemPrompt = messages[0]?.role === 'system' ? textOf(messages[0].content) : '';
    const log = (status: number) => {
      const tools = (chat.tools ?? []).map((tool) => tool.function?.name ?? '');
      const params = Object.keys(chat).sort();
      requests.push({ turn: turnIndex + 1, bytes: Buffer.byteLength(body), messages: messages.length, tools, status, observations, systemPrompt, params });
      if (requests.length > MAX_LOGGED_REQUESTS) requests.shift();
    };
    // Checked before any scripted fault: the real API refuses such a request whatever else happens.
    const problem = transcriptProblem(messages);
    if (problem) {
      log(400);
      sendJson(response, 400, { error: { message: problem.message, type: 'invalid_request_error', param: problem.param, code: null } });
      return;
    }
    // A parameter the provider does not take: refused before anything else, and not counted as an attempt.
    const rejected = rejectedParam(chat as Record<string, unknown>, [...(options.rejectParams ?? []), ...(answer?.turn.rejectParams ?? [])]);
    if (rejected) {
      log(400);
      sendJson(response, 400, unsupportedParamError(rejected));
      return;
    }
    const key = createHash('sha1').update(JSON.stringify(messages)).digest('hex');
    const attempt = attempts.get(key) ?? 0;
    attempts.set(key, attempt + 1);
    if (attempts.size > 100_000) attempts.clear();
    const fault = answer ? faultFor(answer, attempt) : undefined;
    const delayMs = fault?.delayMs ?? (fault ? undefined : answer?.turn.delayMs);
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (fault?.status !== undefined) {
      log(fault.status);
      const headers: Record<string, string> = {};
      if (fault.retryAfterMs !== undefined) {
        headers['retry-after-ms'] = String(fault.retryAfterMs);
        headers['retry-after'] = String(Math.ceil(fault.retryAfterMs / 1000));
      }
      sendJson(response, fault.status, { error: { message: fault.message ?? `scripted fault: HTTP ${fault.status}`, type: 'scripted_fault', code: fault.status } }, headers);
      return;
    }
    log(fault?.cutAfterChunks !== undefined ? 0 : 200);
    const completion = completionFor(script, turnIndex, chat, Buffer.byteLength(body), observations);
    const raw = answer?.turn.rawResponse !== undefined || (completion instanceof Object && 'rawBody' in completion);
    // A streamed request gets chunks (a raw answer is sent as it is, to test what a client makes of it).
    if (chat.stream === true && !raw) {
      const chunks = chunksOf(completion as Parameters<typeof chunksOf>[0], chat.stream_options?.include_usage === true, answer?.turn.quirks);
      const cut = fault?.cutAfterChunks !== undefined ? { cutAfter: fault.cutAfterChunks } : {};
      await sendStream(response, chunks, { delayMs: answer?.turn.chunkDelayMs ?? options.chunkDelayMs ?? 0, ...cut });
      return;
    }
    if (fault?.cutAfterChunks !== undefined) {
      response.destroy();
      return;
    }
    if (completion instanceof Object && 'rawBody' in completion && typeof completion.rawBody === 'string') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(completion.rawBody);
      return;
    }
    sendJson(response, 200, JSON.stringify(raw ? completion : quirkyCompletion(completion as Parameters<typeof quirkyCompletion>[0], answer?.turn.quirks ?? [])));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      if (!response.headersSent) sendJson(response, 500, { error: { message: `scripted model error: ${error.message}`, type: 'server_error' } });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    baseURL: `http://${address}:${port}/v1`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
