import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resultsMarkdown, stepTimeSvg, type BenchFigures } from './report';

/** Re-renders bench/RESULTS.md and the chart from bench/results.json (after a change to the report's wording). */
const figures = JSON.parse(readFileSync(join(__dirname, 'results.json'), 'utf8')) as BenchFigures;
writeFileSync(join(__dirname, 'RESULTS.md'), resultsMarkdown(figures));
writeFileSync(join(__dirname, 'step-time.svg'), stepTimeSvg(figures));
