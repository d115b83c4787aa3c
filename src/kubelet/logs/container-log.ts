// Container logs as the runtime (conmon's k8s-file driver) writes them, in the CRI format:
//
//   2026-11-25T22:33:25.858449220+00:00 stdout F started
//   <RFC3339Nano timestamp>             <stream> <tag: F full | P partial> <message>
//
// one file per container attempt at <dataDir>/pods/<ns>_<name>_<uid>/<container>/<attempt>.log.
// readContainerLog turns such a file into what `kubectl logs` prints: messages (partial
// lines joined), optionally prefixed with their timestamp, filtered by tailLines,
// sinceSeconds/sinceTime and limitBytes, and followed while the container runs.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';

export interface PodRef {
  namespace?: string;
  name?: string;
  uid?: string;
}

export function podLogDir(dataDir: string, pod: PodRef): string {
  return join(dataDir, 'pods', `${pod.namespace ?? 'default'}_${pod.name ?? ''}_${pod.uid ?? ''}`);
}

/** `<dataDir>/pods/<ns>_<name>_<uid>/<container>/<restartCount>.log`. */
export function containerLogPath(dataDir: string, pod: PodRef, container: string, restartCount: number): string {
  return join(podLogDir(dataDir, pod), container, `${restartCount}.log`);
}

/**
 * The log file of the container's latest attempt, or with `previous` the one before it
 * (what `kubectl logs --previous` shows). Undefined when there is none.
 */
export async function findContainerLog(dataDir: string, pod: PodRef, container: string, previous = false): Promise<string | undefined> {
  const dir = join(podLogDir(dataDir, pod), container);
  const attempts = (await fs.readdir(dir).catch(() => [] as string[]))
    .map((f) => /^(\d+)\.log$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
  const n = attempts[previous ? 1 : 0];
  return n === undefined ? undefined : join(dir, `${n}.log`);
}
