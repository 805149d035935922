import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type WorkerOptions } from '@temporalio/worker';

// The agent workflows' code for a worker: the bundle prebuilt by `npm run build`, checked against what it was built
// from, or the workflows bundled at start.

/** Path of the workflow bundle's entry point. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * Modules the workflow thread loads once and shares between runs (the bundler's `preloadModules`): zod, which
 * would otherwise be evaluated again for every run (the zod row of bench/anatomy-before.md against bench/RESULTS.md
 * §7). Pass them to `bundleWorkflowCode` when you bundle the workflows yourself.
 */
export const WORKFLOW_PRELOAD_MODULES: readonly string[] = [require.resolve('../workflows/preload')];

const OTEL_WORKFLOW_INTERCEPTORS = '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';

/**
 * Workflow interceptors every bundle carries (the bundler's `workflowInterceptorModules`): OpenTelemetry's
 * (src/workflows/tracing-interceptors.ts), which
 * carry a run's trace context into its activities and send the workflow's spans to the worker through a sink
 * (docs/observability.md, "Traces"). With tracing off the worker's sink drops them. Pass them to `bundleWorkflowCode`
 * when you bundle the workflows yourself.
 */
export const WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [require.resolve('../workflows/tracing-interceptors')];

/** Bundles the workflows with only the bundler's warnings and errors shown (its statistics are many lines of noise). */
export async function bundleQuietly(): Promise<{ code: string }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    preloadModules: [...WORKFLOW_PRELOAD_MODULES],
    workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES],
    logger: new DefaultLogger('WARN'),
  });
  return { code };
}

/**
 * The prebuilt workflow bundle: `npm run build` (scripts/bundle-workflows.mjs) bundles the compiled workflows once
 * into dist/workflow-bundle.js, next to a stamp (dist/workflow-bundle.json) of what it was built from: the hash of
 * every file of this package it contains, the entry point and preloaded modules, and the versions of the packages the
 * workflows import and of the bundler. A worker started from dist/ loads it (no webpack at start, seconds saved) only
 * while all of that still holds; otherwise, and when running from the TypeScript sources, it bundles at start.
 */
const PREBUILT_BUNDLE = join(__dirname, '..', 'workflow-bundle.js');
const PREBUILT_STAMP = join(__dirname, '..', 'workflow-bundle.json');
/** The folder above dist/ (or src/): paths in the stamp are relative to it. */
const PACKAGE_ROOT = join(__dirname, '..', '..');
const STAMP_FORMAT = 2;

interface BundleStamp {
  format: number;
  builtAt: string;
  /** sha256 of the bundle file. */
  bundle: string;
  workflowsPath: string;
  preloadModules: string[];
  interceptorModules: string[];
  /** This package's files in the bundle → their sha256. */
  files: Record<string, string>;
  /** Packages the workflow code imports, and the bundler (`@temporalio/worker`) → their versions. */
  packages: Record<string, string>;
}

/** Where a worker's workflow code comes from: the prebuilt bundle of this build, or the bundler at start (and why). */
export type WorkflowBundleChoice = { kind: 'prebuilt'; codePath: string; line: string } | { kind: 'bundled at start'; reason: string; line: string };

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
/** A path of the stamp: relative to the package root, with `/`. */
const stampPath = (path: string): string => relative(PACKAGE_ROOT, path).split(sep).join('/');
/** The interceptor modules by name and installed version (a path would differ once the package is installed elsewhere). */
function interceptorStamp(): string[] {
  return [`${OTEL_WORKFLOW_INTERCEPTORS}@${installedVersion('@temporalio/interceptors-opentelemetry', __dirname) ?? 'unknown'}`];
}

/** A path for people: relative to the current folder when it is below it. */
function shownPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown.startsWith('..') || isAbsolute(shown) ? path : shown;
}

/** The version of the package `name` that `from` resolves, or undefined when it resolves none. */
function installedVersion(name: string, from: string): string | undefined {
  let folder: string;
  try {
    folder = dirname(require.resolve(name, { paths: [from] }));
  } catch {
    return undefined;
  }
  for (;;) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === name) return parsed.version;
    }
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
}

/** Why the prebuilt bundle cannot be used, or undefined when it is the bundle of this build. */
function staleness(): string | undefined {
  if (__filename.endsWith('.ts')) return 'running from the TypeScript sources; `npm run build` prebuilds it into dist/';
  if (!existsSync(PREBUILT_BUNDLE) || !existsSync(PREBUILT_STAMP)) return `no prebuilt bundle at ${shownPath(PREBUILT_BUNDLE)}; \`npm run build\` writes it`;
  let stamp: BundleStamp;
  try {
    stamp = JSON.parse(readFileSync(PREBUILT_STAMP, 'utf8')) as BundleStamp;
  } catch (error) {
    return `its stamp ${shownPath(PREBUILT_STAMP)} cannot be read (${(error as Error).message})`;
  }
  if (stamp.format !== STAMP_FORMAT) return `its stamp has format ${String(stamp.format)}, not ${STAMP_FORMAT}`;
  if (
    stamp.workflowsPath !== stampPath(WORKFLOWS_PATH) ||
    JSON.stringify(stamp.preloadModules) !== JSON.stringify(WORKFLOW_PRELOAD_MODULES.map(stampPath)) ||
    JSON.stringify(stamp.interceptorModules) !== JSON.stringify(interceptorStamp())
  ) {
    return 'it was built from other workflow modules';
  }
  for (const [file, hash] of Object.entries(stamp.files)) {
    const path = join(PACKAGE_ROOT, file);
    if (!existsSync(path)) return `${file} is gone since it was built`;
    if (sha256(readFileSync(path)) !== hash) return `${file} changed since it was built`;
  }
  const workflowsFolder = dirname(WORKFLOWS_PATH);
  for (const [name, version] of Object.entries(stamp.packages)) {
    const installed = installedVersion(name, workflowsFolder);
    if (installed !== version) return `it was built with ${name} ${version}, and ${installed ? `${installed} is` : 'none is'} installed`;
  }
  if (sha256(readFileSync(PREBUILT_BUNDLE)) !== stamp.bundle) return 'the bundle file is not the one its stamp describes';
  return undefined;
}

let choice: WorkflowBundleChoice | undefined;

/**
 * The prebuilt workflow bundle when it exists and is the bundle of this build, or why the workflows must be bundled
 * at start. Checked once per process (it reads the bundle and the files it was built from).
 */
export function workflowBundleChoice(options: { recheck?: boolean } = {}): WorkflowBundleChoice {
  if (choice && !options.recheck) return choice;
  const reason = staleness();
  choice = reason
    ? { kind: 'bundled at start', reason, line: `workflow bundle: bundled at start (${reason})` }
    : { kind: 'prebuilt', codePath: PREBUILT_BUNDLE, line: `workflow bundle: prebuilt (${shownPath(PREBUILT_BUNDLE)})` };
  return choice;
}

/** The workflow code for a worker: the prebuilt bundle of this build, or the workflows bundled now (seconds). */
export async function agentWorkflowBundle(): Promise<NonNullable<WorkerOptions['workflowBundle']>> {
  const chosen = workflowBundleChoice();
  return chosen.kind === 'prebuilt' ? { codePath: chosen.codePath } : bundleQuietly();
}

type WebpackConfig = Parameters<NonNullable<Parameters<typeof bundleWorkflowCode>[0]['webpackConfigHook']>>[0];
type WebpackPlugin = NonNullable<WebpackConfig['plugins']>[number];

/** The package a file in node_modules belongs to (`zod`, `@temporalio/workflow`). */
function packageOf(file: string): string | undefined {
  const parts = file.split(sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const first = parts[at + 1];
  return first?.startsWith('@') ? `${first}/${parts[at + 2] ?? ''}` : first;
}

/**
 * Writes the prebuilt workflow bundle and its stamp into dist/ (scripts/bundle-workflows.mjs, after `tsc`), exactly as
 * a worker would bundle at start; does nothing when the bundle there is still the bundle of this build.
 */
export async function writePrebuiltWorkflowBundle(): Promise<{ path: string; bytes: number; written: boolean }> {
  if (__filename.endsWith('.ts')) throw new Error('writePrebuiltWorkflowBundle runs from the build (dist/), after tsc');
  if (workflowBundleChoice({ recheck: true }).kind === 'prebuilt') return { path: PREBUILT_BUNDLE, bytes: statSync(PREBUILT_BUNDLE).size, written: false };
  // What the bundle is made of, seen by webpack: each module's file, and the packages this package's files import.
  const files = new Set<string>();
  const imported = new Set<string>(['@temporalio/worker']);
  const recorder: WebpackPlugin = {
    apply(compiler) {
      compiler.hooks.done.tap('durable-agent-bundle-stamp', (stats) => {
        const { modules, moduleGraph } = stats.compilation;
        for (const module of modules) {
          const resource = 'resource' in module && typeof module.resource === 'string' ? module.resource : undefined;
          if (!resource) continue;
          const name = packageOf(resource);
          if (!name) {
            files.add(resource);
            continue;
          }
          for (const connection of moduleGraph.getIncomingConnections(module)) {
            const origin = connection.originModule;
            const from = origin && 'resource' in origin && typeof origin.resource === 'string' ? origin.resource : undefined;
            if (from && !packageOf(from)) imported.add(name);
          }
        }
      });
    },
  };
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    preloadModules: [...WORKFLOW_PRELOAD_MODULES],
    workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES],
    logger: new DefaultLogger('WARN'),
    webpackConfigHook: (config) => ({ ...config, plugins: [...(config.plugins ?? []), recorder] }),
  });
  const workflowsFolder = dirname(WORKFLOWS_PATH);
  const packages: Record<string, string> = {};
  for (const name of [...imported].sort()) {
    const version = installedVersion(name, workflowsFolder);
    if (!version) throw new Error(`The workflows import ${name}, which does not resolve from ${workflowsFolder}.`);
    packages[name] = version;
  }
  const stamp: BundleStamp = {
    format: STAMP_FORMAT,
    builtAt: new Date().toISOString(),
    bundle: sha256(code),
    workflowsPath: stampPath(WORKFLOWS_PATH),
    preloadModules: WORKFLOW_PRELOAD_MODULES.map(stampPath),
    interceptorModules: interceptorStamp(),
    // The generated entry point lives in the bundler's memory only: the entry and preload paths above stand for it.
    files: Object.fromEntries([...files].filter((file) => existsSync(file)).sort().map((file) => [stampPath(file), sha256(readFileSync(file))])),
    packages,
  };
  // The bundle first, then its stamp, each written whole: a reader never takes a half-written or mismatched pair.
  writeFileSync(`${PREBUILT_BUNDLE}.tmp`, code);
  renameSync(`${PREBUILT_BUNDLE}.tmp`, PREBUILT_BUNDLE);
  writeFileSync(`${PREBUILT_STAMP}.tmp`, `${JSON.stringify(stamp, null, 2)}\n`);
  renameSync(`${PREBUILT_STAMP}.tmp`, PREBUILT_STAMP);
  choice = undefined;
  return { path: PREBUILT_BUNDLE, bytes: Buffer.byteLength(code), written: true };
}
