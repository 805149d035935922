/**
 * Preloaded (`node -r`) into the memory benchmark's worker process. Node runs preloads in every worker thread
 * too, so this reaches the SDK's workflow thread, whose V8 heap `process.memoryUsage()` leaves out (the workflow
 * sandbox's contexts live in that thread's isolate). In a worker thread it announces itself and answers each
 * `sample` on a BroadcastChannel with its heap in use after a garbage collection; in the main thread it does nothing.
 */
import { getHeapStatistics } from 'node:v8';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';

export const THREAD_HEAP_CHANNEL = 'durable-agent-bench-thread-heap';

/** What a thread posts on the channel: `usedHeapBytes` is absent from the announcement. */
export interface ThreadHeapMessage {
  threadId: number;
  usedHeapBytes?: number;
}

if (!isMainThread) {
  const channel = new BroadcastChannel(THREAD_HEAP_CHANNEL);
  // The channel must not keep the thread alive: the SDK terminates it on shutdown.
  channel.unref();
  channel.onmessage = (event) => {
    if (event.data !== 'sample') return;
    (globalThis as { gc?: () => void }).gc?.();
    channel.postMessage({ threadId, usedHeapBytes: getHeapStatistics().used_heap_size } satisfies ThreadHeapMessage);
  };
  channel.postMessage({ threadId } satisfies ThreadHeapMessage);
}
