/**
 * Loaded once per worker thread, before any workflow runs, and shared by every workflow in the thread
 * (`bundlerOptions.preloadModules`; see WORKFLOW_PRELOAD_MODULES in src/worker/workflow-bundle.ts). Without it the
 * reusable V8 context evaluates zod's modules again for every workflow run (bench/RESULTS.md §7).
 *
 * The SDK deep-freezes what is preloaded, so only code that keeps no per-workflow state belongs here. zod keeps
 * one global configuration that it fills lazily on the first schema it builds (the English messages and the
 * memoizer): building one schema here fills it before the freeze. Our own modules do not belong here: their
 * schemas cache parsers on themselves and fail when frozen.
 */
import { z } from 'zod';

/** A schema built at load time (see above); exported so that the bundler keeps the import of zod. */
export const preloadedSchema = z.object({ preloaded: z.string() });
