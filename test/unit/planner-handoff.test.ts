import OpenAI from 'openai';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createPlannerActivities } from '../../src/activities/planner/plan-activity';
import { ModelCall, ParkedCalls } from '../../src/activities/planner/model-call';
import type { PlanHandoff, PlanRequest, PlanResult } from '../../src/contracts/planner-io';
import type { ModelTextDetails } from '../../src/contracts/model-text';
import { compileScript } from '../../src/scripted-model/script';
import { startScriptedModel, type ScriptedModelServer } from '../../src/scripted-model/server';
import { until } from '../helpers/until';

const ANSWER = 'A long answer, written slowly enough that the local call hands it over before the model has finished.';

const request = (extra: Partial<PlanRequest> = {}): PlanRequest => ({
  workflowId: 'wf',
  runId: 'run',
  step: 1,
  finalTurn: false,
  messageCount: 1,
  delta: { from: 0, messages: [{ role: 'user', content: 'go' }], tools: [] },
  ...extra,
});

/**
 * The `auto` planner's hand-off (docs/agent-loop.md, "The planner's mode"), in the activity alone: a local call that
 * outlives `handoffAfterMs` is parked and taken over by the `plan` activity, which streams the rest of the same request.
 * Real `openai` client over HTTP to the scripted model; the transcript reader is the worker's cache (no run to query).
 */
describe("the planner's hand-off", () => {
  let model: ScriptedModelServer;
  let planner: ReturnType<typeof createPlannerActivities>;
  let received = '';

  beforeAll(async () => {
    model = await startScriptedModel(compileScript({ turns: [{ content: ANSWER, chunkDelayMs: 30, repeat: 10 }] }));
    // The client's fetch tees what the model has sent so far, so a test can wait until text has arrived (not a guess in ms).
    const teeing: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!response.body) return response;
      const decoder = new TextDecoder();
      const body = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            received += decoder.decode(chunk, { stream: true });
            controller.enqueue(chunk);
          },
        }),
      );
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    };
    planner = createPlannerActivities({ openai: new OpenAI({ baseURL: model.baseURL, apiKey: 'unused', maxRetries: 0, fetch: teeing }), defaultModel: 'scripted' });
  });
  afterAll(() => model.close());

  const environment = (isLocal: boolean) => new MockActivityEnvironment({ isLocal }, { logger: new DefaultLogger('ERROR') });
  const plan = (env: MockActivityEnvironment, planned: PlanRequest, activities = planner): Promise<PlanResult | PlanHandoff> => env.run(activities.plan, planned);

  it('parks a local call still writing after handoffAfterMs; the plan activity takes it over and streams the rest of the same request', async () => {
    const before = model.requests.length;
    received = '';
    const first = (await plan(environment(true), request({ handoffAfterMs: 100 }))) as PlanHandoff;
    expect(first.handoff.key).toMatch(/^wf\/run\/1\//);
    // On a loaded machine the hand-off can come before the first word: let the parked call read some text first.
    await until('the parked call to have read some text', async () => (/"content":"[^"]/.test(received) ? true : undefined), 10_000, 5);

    const activity = environment(false);
    const heartbeats: ModelTextDetails[] = [];
    activity.on('heartbeat', (details: ModelTextDetails) => heartbeats.push(details));
    const answer = (await plan(activity, request({ delta: { from: 1, messages: [] }, resume: first.handoff.key }))) as PlanResult;

    expect(answer.message.content).toBe(ANSWER);
    // One request to the model: the activity went on with the local call's stream rather than asking again.
    expect(model.requests.length - before).toBe(1);
    // Its first heartbeat already carries what the model wrote before the hand-off; later ones carry more.
    expect(heartbeats[0]?.text.length).toBeGreaterThan(0);
    expect(heartbeats.at(-1)?.text.length).toBeGreaterThan(heartbeats[0]!.text.length);
  });

  it('answers from the local call itself when the model finishes within handoffAfterMs', async () => {
    const answer = (await plan(environment(true), request({ handoffAfterMs: 60_000 }))) as PlanResult;
    expect(answer.message.content).toBe(ANSWER);
  });

  it("the worker's own hand-off time wins over the run's: later (an answer) or sooner (a hand-off)", async () => {
    const patient = createPlannerActivities({ openai: new OpenAI({ baseURL: model.baseURL, apiKey: 'unused', maxRetries: 0 }), defaultModel: 'scripted', handoffAfterMs: 60_000 });
    const answer = (await plan(environment(true), request({ handoffAfterMs: 1 }), patient)) as PlanResult;
    expect(answer.message.content).toBe(ANSWER);
    const hasty = createPlannerActivities({ openai: new OpenAI({ baseURL: model.baseURL, apiKey: 'unused', maxRetries: 0 }), defaultModel: 'scripted', handoffAfterMs: 1 });
    const handedOver = (await plan(environment(true), request({ handoffAfterMs: 60_000 }), hasty)) as PlanHandoff;
    expect(handedOver.handoff.key).toMatch(/^wf\/run\/1\//);
    // A call the run does not allow to hand over never does, whatever the worker's time.
    const whole = (await plan(environment(true), request(), hasty)) as PlanResult;
    expect(whole.message.content).toBe(ANSWER);
  });

  it('asks the model anew when this worker holds no call under the key (the activity ran on another worker)', async () => {
    const before = model.requests.length;
    const answer = (await plan(environment(false), request({ resume: 'wf/run/1/parked-elsewhere' }))) as PlanResult;
    expect(answer.message.content).toBe(ANSWER);
    expect(model.requests.length - before).toBe(1);
  });
});

describe('parked model calls', () => {
  const call = (answer: Promise<unknown>) => new ModelCall({ messages: [], tools: [] }, 'm', [], true, () => answer);

  it('gives a parked call once, then nothing', () => {
    const parked = new ParkedCalls(60_000);
    const held = call(new Promise(() => undefined));
    parked.park('k', held);
    expect(parked.take('k')).toBe(held);
    expect(parked.take('k')).toBeUndefined();
    expect(parked.size).toBe(0);
  });

  it('aborts a call nobody takes within its keep time', async () => {
    const parked = new ParkedCalls(20);
    let aborted = false;
    const held = new ModelCall({ messages: [], tools: [] }, 'm', [], true, (signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise(() => undefined);
    });
    parked.park('k', held);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(aborted).toBe(true);
    expect(parked.take('k')).toBeUndefined();
  });

  it('says whether a call ended within a time, with its error taken as an end', async () => {
    expect(await call(new Promise(() => undefined)).endsWithin(20)).toBe(false);
    expect(await call(Promise.reject(new Error('refused'))).endsWithin(1_000)).toBe(true);
  });
});
