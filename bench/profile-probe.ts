/**
 * Preloaded (`node -r`) into the CPU benchmark's worker process, so it runs in the main thread and in every worker
 * thread (the SDK's workflow thread included, which no other code of ours reaches). On `start` it starts V8's
 * sampling profiler in its own thread through the inspector; on `stop` it stops it, writes the profile to
 * `$BENCH_PROFILE_DIR/thread-<threadId>.cpuprofile` and posts where, so warm-up runs stay out of the profile.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';

export const PROFILE_CHANNEL = 'durable-agent-bench-profile';
/** V8's sampling interval, µs. */
export const PROFILE_INTERVAL_US = 500;

/** What a thread posts on the channel: an announcement, then where its profile went after `stop`. */
export interface ProfileMessage {
  threadId: number;
  isMainThread: boolean;
  started?: boolean;
  file?: string;
  error?: string;
}

function post(session: Session, method: string, params: object = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const folder = process.env.BENCH_PROFILE_DIR;
if (folder) {
  const channel = new BroadcastChannel(PROFILE_CHANNEL);
  // The channel must not keep the thread alive: the SDK terminates its threads on shutdown.
  channel.unref();
  const session = new Session();
  session.connect();
  const answer = (message: Omit<ProfileMessage, 'threadId' | 'isMainThread'>) => channel.postMessage({ threadId, isMainThread, ...message } satisfies ProfileMessage);
  channel.onmessage = (event) => {
    void (async () => {
      try {
        if (event.data === 'start') {
          await post(session, 'Profiler.enable');
          await post(session, 'Profiler.setSamplingInterval', { interval: PROFILE_INTERVAL_US });
          await post(session, 'Profiler.start');
          answer({ started: true });
        } else if (event.data === 'stop') {
          const { profile } = (await post(session, 'Profiler.stop')) as { profile: unknown };
          const file = join(folder, `thread-${threadId}.cpuprofile`);
          writeFileSync(file, JSON.stringify(profile));
          answer({ file });
        }
      } catch (error) {
        answer({ error: error instanceof Error ? error.message : String(error) });
      }
    })();
  };
  answer({});
}
