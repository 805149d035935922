import { rmSync } from 'node:fs';

/** Stops the shared dev server and removes its folder; leaves nothing running. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.durableAgentTestServer?.stop();
  const folder = process.env.DURABLE_AGENT_TEST_FOLDER;
  if (folder && !process.env.KEEP_TEST_SERVER_DATA) rmSync(folder, { recursive: true, force: true });
}
