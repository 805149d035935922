import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, startCli, waitForOutput } from '../helpers/cli';

/** `durable-agent server --with-tracing`: Jaeger beside the dev server, its addresses printed, stopped with it. */
describe('durable-agent server --with-tracing', () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'durable-agent-server-tracing-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  test('starts Jaeger on loopback, prints its UI and the OTLP endpoint to give workers, and stops it on SIGTERM', async () => {
    const args = ['server', '--port', '0', '--ui-port', '0', '--db-file', join(folder, 'dev.sqlite'), '--with-tracing', '--otlp-port', '0', '--jaeger-port', '0'];
    const server = startCli(args);
    try {
      await waitForOutput(server, /Press Ctrl-C to stop\./, 120_000);
      const { stdout } = server.output();
      const jaegerPid = Number(/Jaeger running \(pid (\d+)/.exec(stdout)?.[1]);
      const uiUrl = /Jaeger UI:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      const endpoint = /^\s+OTEL_EXPORTER_OTLP_ENDPOINT=(http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout)?.[1];
      expect({ jaegerPid: jaegerPid > 0, uiUrl, endpoint }).toEqual({ jaegerPid: true, uiUrl: expect.any(String) as string, endpoint: expect.any(String) as string });
      expect(isAlive(jaegerPid)).toBe(true);

      // The UI's page (Jaeger's placeholder page when the binary was built without the UI assets: then the output says so).
      const page = await fetch(`${uiUrl}/search`);
      expect(page.status).toBe(200);
      const placeholder = /not the Jaeger UI you are looking for/.test(await page.text());
      expect(stdout.includes('built without the UI assets')).toBe(placeholder);
      const services = await fetch(`${uiUrl}/api/services`);
      expect(services.status).toBe(200);
      const accepted = await fetch(`${endpoint}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceSpans":[]}' });
      expect(accepted.status).toBe(200);

      server.kill('SIGTERM');
      const result = await server.done;
      expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 0, stdout: expect.stringContaining('Temporal dev server and Jaeger stopped.') as string });
      expect(isAlive(jaegerPid)).toBe(false);
    } finally {
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    }
  });

  test('a JAEGER_PATH that is not a binary fails at once with what to do, and starts nothing', async () => {
    const server = startCli(['server', '--port', '0', '--ui-port', '0', '--db-file', join(folder, 'other.sqlite'), '--with-tracing'], {
      ...process.env,
      JAEGER_PATH: join(folder, 'no-such-jaeger'),
    });
    const timer = setTimeout(() => server.kill('SIGKILL'), 30_000);
    const result = await server.done;
    clearTimeout(timer);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`JAEGER_PATH is set to "${join(folder, 'no-such-jaeger')}", but no executable file is there`);
    expect(result.stdout).not.toContain('Temporal dev server running');
  });
});
