import { z } from 'zod';
import { defineTool, type Tool } from '../../src/tools/define-tool';
import type { HttpTestServer } from './http-server';

/** A tool whose every call is one real HTTP request to the test server (`/text?label=…`): tests count calls there. */
export function hitTool(server: HttpTestServer): Tool {
  return defineTool({
    name: 'hit',
    description: 'Calls the test server once with a label.',
    input: z.object({ label: z.string(), note: z.string().optional() }),
    summaryField: 'label',
    run: async ({ label }) => `hit ${label}: ${await (await fetch(`${server.origin}/text?label=${encodeURIComponent(label)}`)).text()}`,
  });
}

/** The labels of the `hit` calls the test server saw, in order. */
export function hits(server: HttpTestServer): string[] {
  return server.requests.filter((request) => request.path.startsWith('/text?label=')).map((request) => decodeURIComponent(request.path.split('=')[1] ?? ''));
}
