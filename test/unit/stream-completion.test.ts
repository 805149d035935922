import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import OpenAI from 'openai';
import { streamCompletion } from '../../src/activities/planner/stream-completion';
import { ERROR_TYPES } from '../../src/contracts/error-types';

const chunk = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

/** A model server on loopback whose every answer `answer` writes; notes when a client's connection closed. */
async function startServer(answer: (response: ServerResponse) => void): Promise<{ server: Server; baseURL: string; closed: Promise<void> }> {
  let closedNow: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (closedNow = resolve));
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => answer(response));
    response.on('close', () => closedNow());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, closed };
}

const body = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };

/** The planner's streaming request (src/activities/planner/stream-completion.ts) against servers that misbehave. */
describe('streamCompletion', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  it('assembles text, tool calls by index and usage, and reports the text so far as it grows', async () => {
    const started = await startServer((response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(chunk({ role: 'assistant', content: '' }));
      response.write(chunk({ content: 'Looking ' }));
      response.write(chunk({ content: 'it up.' }));
      response.write(chunk({ tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'read_file', arguments: '{"pa' } }] }));
      response.write(chunk({ tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'list_dir', arguments: '{}' } }] }));
      response.write(chunk({ tool_calls: [{ index: 0, function: { arguments: 'th":"x"}' } }] }));
      response.write(chunk({}, 'tool_calls'));
      response.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: 4 } })}\n\n`);
      response.end('data: [DONE]\n\n');
    });
    server = started.server;
    const seen: string[] = [];
    const answer = await streamCompletion(new OpenAI({ apiKey: 'k', baseURL: started.baseURL, maxRetries: 0 }), body, {
      signal: new AbortController().signal,
      idleTimeoutMs: 5_000,
      onProgress: (progress) => seen.push(`${progress.text}|${progress.calls.join(',')}`),
    });
    expect(answer).toEqual({
      model: 'm',
      choices: [
        {
          message: {
            content: 'Looking it up.',
            tool_calls: [
              { id: 'a', type: 'function', function: { name: 'read_file', arguments: '{"path":"x"}' } },
              { id: 'b', type: 'function', function: { name: 'list_dir', arguments: '{}' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 4 },
    });
    expect(seen).toEqual(['Looking |', 'Looking it up.|', 'Looking it up.|read_file', 'Looking it up.|read_file,list_dir']);
  });

  it('gives up on a model that goes silent mid-answer: a retryable timeout, and the connection is closed', async () => {
    const started = await startServer((response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(chunk({ role: 'assistant', content: 'Half' }));
    });
    server = started.server;
    const failure = await streamCompletion(new OpenAI({ apiKey: 'k', baseURL: started.baseURL, maxRetries: 0 }), body, {
      signal: new AbortController().signal,
      idleTimeoutMs: 300,
      onProgress: () => undefined,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: ERROR_TYPES.modelTimeout, nonRetryable: false });
    await started.closed;
  });

  it('stops when cancelled: the request is aborted and the server sees the connection close', async () => {
    const started = await startServer((response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => response.write(chunk({ content: 'more ' })), 20);
      response.on('close', () => clearInterval(timer));
    });
    server = started.server;
    const cancel = new AbortController();
    let pieces = 0;
    const failure = await streamCompletion(new OpenAI({ apiKey: 'k', baseURL: started.baseURL, maxRetries: 0 }), body, {
      signal: cancel.signal,
      idleTimeoutMs: 5_000,
      onProgress: () => {
        if (++pieces === 5) cancel.abort(new Error('cancelled by the test'));
      },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(ApplicationFailure);
    await started.closed;
  });

  it('takes a whole answer from a server that ignores `stream`', async () => {
    const whole = { id: 'c', object: 'chat.completion', model: 'm', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'whole' } }] };
    const started = await startServer((response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(whole));
    });
    server = started.server;
    const answer = await streamCompletion(new OpenAI({ apiKey: 'k', baseURL: started.baseURL, maxRetries: 0 }), body, { signal: new AbortController().signal, idleTimeoutMs: 5_000, onProgress: () => undefined });
    expect(answer).toEqual(whole);
  });
});
