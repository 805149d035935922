import { probeTcp } from '../../src/config/connect';
import { until } from './until';

/** Waits until something listens on 127.0.0.1:`port` (a server the test started). */
export async function probeUntilListening(port: number): Promise<void> {
  await until(`a server on 127.0.0.1:${port}`, async () => (await probeTcp(`127.0.0.1:${port}`, 500).then(() => true, () => undefined)), 30_000, 100);
}
