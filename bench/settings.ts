import type { Harness } from './harness';
import { stepsScript } from './scenarios';
import { percentile } from './harness';

/** Throughput of one worker setting: runs/s of each round and their median. */
export interface SettingFigures {
  label: string;
  maxEagerActivities: number;
  roundsRunsPerSecond: number[];
  runsPerSecond: number;
}

export interface SettingsFigures {
  runs: number;
  steps: number;
  calls: number;
  callMs: number;
  settings: SettingFigures[];
}

/**
 * The worker setting chosen by measurement: eager activity reservations per workflow task (the SDK's default,
 * 3, against durable-agent's, 16, which covers a whole step's calls), on the throughput workload, the settings
 * interleaved round by round.
 */
export async function workerSettings(harness: Harness, runs: number, steps: number, calls: number, callMs: number, rounds: number, ours: number): Promise<SettingsFigures> {
  const variants = [
    { label: "the SDK's default", maxEagerActivities: 3 },
    { label: "durable-agent's default", maxEagerActivities: ours },
  ];
  const measured = variants.map((variant) => ({ ...variant, roundsRunsPerSecond: [] as number[] }));
  for (let round = 0; round < rounds; round += 1) {
    for (let offset = 0; offset < measured.length; offset += 1) {
      const variant = measured[(round + offset) % measured.length];
      if (!variant) continue;
      const agent = await harness.agentWorker(stepsScript(steps, calls, callMs), { maxEagerActivities: variant.maxEagerActivities });
      const wallMs = await agent.run(async () => {
        const started = performance.now();
        const handles = await Promise.all(
          Array.from({ length: runs }, (_, index) =>
            harness.client.workflow.start('agentWorkflow', { taskQueue: agent.taskQueue, workflowId: `${agent.taskQueue}-${index}`, args: [{ goal: `settings ${index}`, maxParallel: calls, maxSteps: steps + 1 }] }),
          ),
        );
        await Promise.all(handles.map((handle) => handle.result()));
        return performance.now() - started;
      });
      variant.roundsRunsPerSecond.push((runs * 1000) / wallMs);
    }
  }
  return { runs, steps, calls, callMs, settings: measured.map((variant) => ({ ...variant, runsPerSecond: percentile(variant.roundsRunsPerSecond, 50) })) };
}

/** The settings section's Markdown. */
export function settingsMarkdown(figures: SettingsFigures, heading: string): string {
  const [base] = figures.settings;
  const rows = figures.settings
    .map((setting) => `| ${setting.label}: \`maxEagerActivityReservationsPerWorkflowTask: ${setting.maxEagerActivities}\` | ${setting.runsPerSecond.toFixed(1)} (${Math.min(...setting.roundsRunsPerSecond).toFixed(1)}–${Math.max(...setting.roundsRunsPerSecond).toFixed(1)}) | ${base ? (setting.runsPerSecond / base.runsPerSecond).toFixed(2) : ''}× |`)
    .join('\n');
  return `${heading}

${figures.runs} concurrent agents × ${figures.steps} steps × ${figures.calls} calls of ${figures.callMs} ms on one worker (the throughput workload, activity planner), ${figures.settings[0]?.roundsRunsPerSecond.length ?? 0} rounds of each setting interleaved; median runs/s (min–max).

| setting | runs/s | ratio |
|---|---|---|
${rows}
`;
}
