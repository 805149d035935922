import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { renderTraceWaterfall, waterfallHeight, type JaegerTrace } from '../../../src/observability/trace-waterfall';

const WIDTH = 1400;
const SCREENSHOT_TIMEOUT_MS = 60_000;

export interface WaterfallFiles {
  html: string;
  /** Absent when no Chromium was found. */
  png?: string;
  /** The page's size in CSS pixels, which the screenshot's window is given. */
  size: { width: number; height: number };
}

/**
 * Writes `trace` as a waterfall page to `<base>.html` and, when Chromium is at `CHROMIUM_PATH` or /usr/bin/chromium,
 * screenshots it to `<base>.png` (1400 px wide, as tall as the page). Without Chromium it says so and writes no PNG.
 */
export async function writeWaterfall(trace: JaegerTrace, base: string, profileFolder: string): Promise<WaterfallFiles> {
  const html = resolve(`${base}.html`);
  const size = { width: WIDTH, height: waterfallHeight(trace) };
  writeFileSync(html, renderTraceWaterfall(trace));
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    process.stderr.write(`\nNo Chromium at ${chromium} (set CHROMIUM_PATH): wrote ${html}, no screenshot of it.\n`);
    return { html, size };
  }
  const png = resolve(`${base}.png`);
  // A profile of its own: another test's Chromium may hold the default one.
  mkdirSync(join(profileFolder, 'chromium'), { recursive: true });
  await promisify(execFile)(
    chromium,
    [
      '--headless',
      '--disable-gpu',
      '--no-sandbox',
      '--hide-scrollbars',
      '--force-device-scale-factor=1',
      `--user-data-dir=${join(profileFolder, 'chromium')}`,
      `--screenshot=${png}`,
      `--window-size=${size.width},${size.height}`,
      pathToFileURL(html).href,
    ],
    { timeout: SCREENSHOT_TIMEOUT_MS },
  );
  return { html, png, size };
}

/** A PNG file's width and height, from its IHDR chunk; undefined when the file is not a PNG. */
export function pngSize(file: string): { width: number; height: number } | undefined {
  const bytes = readFileSync(file);
  if (bytes.length < 24 || bytes.toString('latin1', 1, 4) !== 'PNG' || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
