import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { resultsMarkdown, stepTimeSvg, type BenchFigures } from './report';

/**
 * Re-renders bench/RESULTS.md and the chart from bench/results.json (after a change to the report's wording).
 * `render.ts test-artifacts/bench/peers.json …` first replaces the sections a section-only run measured
 * (`npm run bench -- peers | memory | planning | anatomy | settings`), and says so under the heading: such a file is an interim
 * result until the next full run.
 */
type SectionFile = Partial<Pick<BenchFigures, 'overhead' | 'throughput' | 'memory' | 'planning' | 'anatomy' | 'settings'>> & { date: string; machine?: string; command?: string; loadAverage?: number[] };

const SECTION_NAMES = { overhead: '2', throughput: '3', memory: '5', planning: '6', anatomy: '7', settings: '8' } as const;

const figures = JSON.parse(readFileSync(join(__dirname, 'results.json'), 'utf8')) as BenchFigures;
for (const path of process.argv.slice(2)) {
  const section = JSON.parse(readFileSync(path, 'utf8')) as SectionFile;
  const keys = (Object.keys(SECTION_NAMES) as Array<keyof typeof SECTION_NAMES>).filter((key) => section[key] !== undefined);
  if (keys.length === 0) throw new Error(`Expected \`${path}\` to hold overhead, throughput, memory, planning, anatomy or settings figures, got none`);
  Object.assign(figures, Object.fromEntries(keys.map((key) => [key, section[key]])));
  const numbers = keys.map((key) => SECTION_NAMES[key]).join(' and ');
  const load = section.loadAverage ? `, load average ${section.loadAverage.map((value) => value.toFixed(1)).join(' / ')} (1 / 5 / 15 min) at its end` : '';
  // A newer section-only run replaces what an older one said about the same sections.
  const replaced = new Set(keys.map((key) => SECTION_NAMES[key]));
  const stillTrue = (line: string) => !(/^Sections? ([\d and]+) comes?/.exec(line)?.[1]?.split(' and ').some((number) => replaced.has(number as (typeof SECTION_NAMES)[keyof typeof SECTION_NAMES])) ?? false);
  figures.provenance = [
    ...(figures.provenance ?? []).filter(stillTrue),
    `${keys.length > 1 ? `Sections ${numbers} come` : `Section ${numbers} comes`} from a section-only run on ${section.date}${section.machine ? ` on ${section.machine}` : ''} (\`${section.command ?? relative(join(__dirname, '..'), path)}\`${load}), not from the full run of ${figures.date}.`,
  ];
}
writeFileSync(join(__dirname, 'RESULTS.md'), resultsMarkdown(figures));
writeFileSync(join(__dirname, 'step-time.svg'), stepTimeSvg(figures));
if (process.argv.length > 2) writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(figures, null, 2)}\n`);
