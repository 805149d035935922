import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Saves a measured figure of the run under test-artifacts/ (docs/reliability.md quotes the last run's). */
export function saveFigure(name: string, figure: Record<string, unknown>): void {
  const folder = join(__dirname, '..', '..', 'test-artifacts');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `figure-${name}.json`), `${JSON.stringify({ ...figure, measuredAt: new Date().toISOString() }, null, 2)}\n`);
}
