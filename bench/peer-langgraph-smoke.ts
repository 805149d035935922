/**
 * Starts the LangGraph.js peer (bench/peer-langgraph.ts; installs it on first use), runs one overhead run and one
 * throughput run, prints the figures and closes:
 *
 *   node -r tsx/cjs bench/peer-langgraph-smoke.ts          overheadSteps(3, 3, 200) and throughput(20, 5, 4, 10)
 *   node -r tsx/cjs bench/peer-langgraph-smoke.ts --full   overheadSteps(10, 3, 200) × 3 and throughput(200, 5, 4, 10) × 3
 */
import { startLangGraphPeer } from './peer-langgraph';

/** Nearest-rank percentile, as bench/harness.ts's. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const list = (values: readonly number[]) => values.map((value) => value.toFixed(1)).join(', ');

async function main(): Promise<void> {
  const full = process.argv.includes('--full');
  const repeats = full ? 3 : 1;
  const overhead = full ? { steps: 10, calls: 3, callMs: 200 } : { steps: 3, calls: 3, callMs: 200 };
  const load = full ? { runs: 200, steps: 5, calls: 4, callMs: 10 } : { runs: 20, steps: 5, calls: 4, callMs: 10 };
  const peer = await startLangGraphPeer((line) => console.log(line));
  try {
    console.log(`${peer.label}: ${Object.entries(peer.versions).map(([name, version]) => `${name} ${version}`).join(', ')}`);
    const steps: number[] = [];
    for (let repeat = 0; repeat < repeats; repeat += 1) {
      const durations = await peer.overheadSteps(overhead.steps, overhead.calls, overhead.callMs);
      steps.push(...durations);
      console.log(`overheadSteps(${overhead.steps}, ${overhead.calls}, ${overhead.callMs}) #${repeat + 1}: steps [${list(durations)}] ms; tool windows [${list(peer.lastToolWindowsMs)}] ms`);
    }
    const p50 = percentile(steps, 50);
    const p95 = percentile(steps, 95);
    console.log(`  step p50 ${ms(p50)} (overhead +${ms(p50 - overhead.callMs)}), p95 ${ms(p95)} (+${ms(p95 - overhead.callMs)}), ${steps.length} steps`);
    const toolCallsPerRun = load.steps * load.calls;
    for (let repeat = 0; repeat < repeats; repeat += 1) {
      const wallMs = await peer.throughput(load.runs, load.steps, load.calls, load.callMs);
      const runsPerSecond = (load.runs * 1000) / wallMs;
      console.log(
        `throughput(${load.runs}, ${load.steps}, ${load.calls}, ${load.callMs}) #${repeat + 1}: wall ${ms(wallMs)}, ${runsPerSecond.toFixed(1)} runs/s, ${(runsPerSecond * toolCallsPerRun).toFixed(0)} tool calls/s`,
      );
    }
  } finally {
    await peer.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
