import { createHash } from 'node:crypto';

/**
 * Keys and handles of stored outputs. A run's blobs share one prefix, `<namespace>/<workflowId>/`, so they are found
 * and deleted together (a run that continued as new keeps its workflow id, and so its prefix):
 *
 *   <namespace>/<workflowId>/calls/<taskId>-<attempt>     a tool call's output (src/activities/tool-activities.ts)
 *   <namespace>/<workflowId>/payloads/<id>                a payload Temporal's external storage offloaded
 *
 * Each part is percent-encoded (and `.`, `~` too), so no key holds `..`, a separator of its own or a character a
 * file system or S3 refuses; a part longer than a file name may be is cut into segments ending with `~`.
 */

/** Longest segment of a key: under the 255 bytes of a file name. */
const SEGMENT_CHARACTERS = 200;

/** One part of a key (a namespace, a workflow id, a task id), as one or more `/`-separated segments. */
export function keyPart(value: string): string {
  const encoded = encodeURIComponent(value).replace(/\./g, '%2E').replace(/~/g, '%7E').replace(/\*/g, '%2A').replace(/'/g, '%27');
  if (encoded.length <= SEGMENT_CHARACTERS) return encoded;
  const segments: string[] = [];
  for (let start = 0; start < encoded.length; start += SEGMENT_CHARACTERS) segments.push(encoded.slice(start, start + SEGMENT_CHARACTERS));
  // A cut must not split a %XX escape: move the cut before it.
  for (let index = 0; index < segments.length - 1; index += 1) {
    const escape = (segments[index] as string).slice(-2).indexOf('%');
    if (escape >= 0) {
      const keep = (segments[index] as string).length - 2 + escape;
      segments[index + 1] = (segments[index] as string).slice(keep) + (segments[index + 1] as string);
      segments[index] = (segments[index] as string).slice(0, keep);
    }
  }
  return segments.map((segment, index) => (index < segments.length - 1 ? `${segment}~` : segment)).join('/');
}

/**
 * Reads one part back from the segments of a key, starting at `index`: the value and the index after it. Undefined
 * when the segments do not hold a part there.
 */
export function readKeyPart(segments: readonly string[], index: number): { value: string; next: number } | undefined {
  let encoded = '';
  let at = index;
  while (at < segments.length && (segments[at] as string).endsWith('~')) encoded += (segments[at++] as string).slice(0, -1);
  if (at >= segments.length) return undefined;
  encoded += segments[at] as string;
  try {
    return { value: decodeURIComponent(encoded), next: at + 1 };
  } catch {
    return undefined;
  }
}

/** The prefix of a namespace's blobs. */
export function namespacePrefix(namespace: string): string {
  return `${keyPart(namespace)}/`;
}

/** The prefix of every blob of one run (all the runs of a continue-as-new chain share it). */
export function runPrefix(namespace: string, workflowId: string): string {
  return `${namespacePrefix(namespace)}${keyPart(workflowId)}/`;
}

/** Where a tool call's output is stored: the run, the call (its task id) and the attempt that produced it. */
export interface OutputLocation {
  namespace: string;
  workflowId: string;
  /** The task id, `s<step>-<index>` (a plan node: `s<step>-<index>.<node>`): unique within a workflow id. */
  taskId: string;
  attempt: number;
}

/** The key of a tool call's output. */
export function outputKey(location: OutputLocation): string {
  return `${runPrefix(location.namespace, location.workflowId)}calls/${keyPart(`${location.taskId}-${location.attempt}`)}`;
}

/** The workflow id of a blob's key under `namespacePrefix(namespace)`, or undefined for a key of another layout. */
export function workflowIdOfKey(namespace: string, key: string): string | undefined {
  const prefix = namespacePrefix(namespace);
  if (!key.startsWith(prefix)) return undefined;
  const segments = key.slice(prefix.length).split('/');
  const part = readKeyPart(segments, 0);
  return part && part.next < segments.length ? part.value : undefined;
}

/** Eight hex digits that tell one workflow id's handles from another's (not a secret: a check against mistakes). */
export function runTag(workflowId: string): string {
  return createHash('sha256').update(workflowId).digest('hex').slice(0, 8);
}

/**
 * The handle the model reads an output by: `out_<taskId>_<attempt>_<tag>`. It names the call, not the run: a
 * `read_output` call reads its own run's blobs only, and the tag lets it say so when the model passes another run's.
 */
export function outputHandle(location: Pick<OutputLocation, 'workflowId' | 'taskId' | 'attempt'>): string {
  return `out_${location.taskId}_${location.attempt}_${runTag(location.workflowId)}`;
}

/** The parts of a handle, or undefined when it is not one. */
export function parseOutputHandle(handle: string): { taskId: string; attempt: number; tag: string } | undefined {
  const match = /^out_([\w.-]{1,200})_([1-9][0-9]{0,5})_([0-9a-f]{8})$/.exec(handle.trim());
  if (!match) return undefined;
  return { taskId: match[1] as string, attempt: Number(match[2]), tag: match[3] as string };
}
