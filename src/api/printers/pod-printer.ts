// The pod row of `kubectl get pods` (upstream printPod). STATUS is derived in layers, each
// able to override the previous one:
//
//   phase ── status.reason ── SchedulingGated ── init containers ── containers ── deletion
//   Running    e.g. Evicted                         Init:1/3            CrashLoopBackOff  Terminating
//                                                   Init:ErrImagePull   Completed/Error   Unknown (NodeLost)
//                                                   Init:ExitCode:1     ExitCode:N/Signal:N
//
// READY counts ready regular containers plus started, ready sidecars (init containers with
// restartPolicy Always), over regular containers plus sidecars.

import type { KObject } from '../types/index.js';
import type { Cell, TablePrinter, TableRowCondition } from './types.js';
import { AGE, NAME, col, wide, name, age } from './columns.js';
import { arr, at, has, int, optBool, str } from './json-read.js';
import { humanDuration, parseTime } from './human-duration.js';

/** Pod status reason the node lifecycle controller sets on pods of an unreachable node. */
export const NODE_UNREACHABLE_POD_REASON = 'NodeLost';
export const POD_REASON_SCHEDULING_GATED = 'SchedulingGated';

const COLUMNS = [
  NAME,
  col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  col('Status', 'string', 'The aggregate status of the containers in this pod.'),
  col('Restarts', 'string', 'Container restarts in this pod, and how long ago the last one was.'),
  AGE,
  wide('IP', 'string', 'IP address allocated to the pod.'),
  wide('Node', 'string', 'Node the pod is bound to.'),
  wide('Nominated Node', 'string', 'Node the scheduler nominated for preemption.'),
  wide('Readiness Gates', 'string', 'Readiness gate conditions that are true, over all gates.'),
];

const isRestartableInit = (c: unknown): boolean => str(c, 'restartPolicy') === 'Always';

function conditionIs(pod: KObject, type: string, status: string): boolean {
  for (const c of arr(pod, 'status', 'conditions')) if (str(c, 'type') === type) return str(c, 'status') === status;
  return false;
}

/** Latest lastState.terminated.finishedAt among `statuses`, in epoch ms (0 when none). */
function lastTermination(statuses: readonly unknown[], latest: number): number {
  let t = latest;
  for (const s of statuses) {
    if (!has(s, 'lastState', 'terminated')) continue;
    const f = parseTime(at(s, 'lastState', 'terminated', 'finishedAt')) ?? 0;
    if (f > t) t = f;
  }
  return t;
}

export interface PodSummary {
  ready: number;
  total: number;
  reason: string;
  restarts: number;
  /** Epoch ms of the last container termination, 0 when unknown. */
  lastRestart: number;
}

/** The READY/STATUS/RESTARTS facts of a pod, separated from formatting for tests and reuse. */
export function summarizePod(pod: KObject): PodSummary {
  const initSpecs = arr(pod, 'spec', 'initContainers');
  const initByName = new Map<string, unknown>();
  for (const c of initSpecs) initByName.set(str(c, 'name'), c);

  const total = arr(pod, 'spec', 'containers').length + initSpecs.filter(isRestartableInit).length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;

  const phase = str(pod, 'status', 'phase');
  let reason = str(pod, 'status', 'reason') || phase;
  for (const c of arr(pod, 'status', 'conditions')) {
    if (str(c, 'type') === 'PodScheduled' && str(c, 'reason') === POD_REASON_SCHEDULING_GATED) reason = POD_REASON_SCHEDULING_GATED;
  }

  const initStatuses = arr(pod, 'status', 'initContainerStatuses');
  let initializing = false;
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    restarts += int(cs, 'restartCount');
    lastRestart = lastTermination([cs], lastRestart);
    const sidecar = isRestartableInit(initByName.get(str(cs, 'name')));
    if (sidecar) {
      sidecarRestarts += int(cs, 'restartCount');
      lastSidecarRestart = lastTermination([cs], lastSidecarRestart);
    }
    const terminated = has(cs, 'state', 'terminated');
    if (terminated && int(cs, 'state', 'terminated', 'exitCode') === 0) continue;
    if (sidecar && optBool(cs, 'started') === true) {
      if (optBool(cs, 'ready') === true) ready++;
      continue;
    }
    if (terminated) {
      const r = str(cs, 'state', 'terminated', 'reason');
      const signal = int(cs, 'state', 'terminated', 'signal');
      if (r) reason = `Init:${r}`;
      else if (signal !== 0) reason = `Init:Signal:${signal}`;
      else reason = `Init:ExitCode:${int(cs, 'state', 'terminated', 'exitCode')}`;
    } else {
      const waiting = str(cs, 'state', 'waiting', 'reason');
      reason = waiting && waiting !== 'PodInitializing' ? `Init:${waiting}` : `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionIs(pod, 'Initialized', 'True')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = arr(pod, 'status', 'containerStatuses');
    // Walk backwards so the first container's state wins, as upstream.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      restarts += int(cs, 'restartCount');
      lastRestart = lastTermination([cs], lastRestart);
      const waiting = str(cs, 'state', 'waiting', 'reason');
      const terminated = has(cs, 'state', 'terminated');
      const termReason = str(cs, 'state', 'terminated', 'reason');
      if (waiting) {
        reason = waiting;
      } else if (terminated && termReason) {
        reason = termReason;
      } else if (terminated) {
        const signal = int(cs, 'state', 'terminated', 'signal');
        reason = signal !== 0 ? `Signal:${signal}` : `ExitCode:${int(cs, 'state', 'terminated', 'exitCode')}`;
      } else if (optBool(cs, 'ready') === true && has(cs, 'state', 'running')) {
        hasRunning = true;
        ready++;
      }
    }
    // A pod whose last container completed but another is still running is not "Completed".
    if (reason === 'Completed' && hasRunning) reason = conditionIs(pod, 'Ready', 'True') ? 'Running' : 'NotReady';
  }

  const deleting = pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
  if (deleting && str(pod, 'status', 'reason') === NODE_UNREACHABLE_POD_REASON) reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  return { ready, total, reason, restarts, lastRestart };
}

function restartsCell(s: PodSummary, now: number): string {
  if (s.restarts !== 0 && s.lastRestart !== 0) return `${s.restarts} (${humanDuration(now - s.lastRestart)} ago)`;
  return String(s.restarts);
}

function readinessGates(pod: KObject): string {
  const gates = arr(pod, 'spec', 'readinessGates');
  if (gates.length === 0) return '<none>';
  let trueCount = 0;
  for (const g of gates) if (conditionIs(pod, str(g, 'conditionType'), 'True')) trueCount++;
  return `${trueCount}/${gates.length}`;
}

function podRow(pod: KObject, now: number): Cell[] {
  const s = summarizePod(pod);
  const ip = str(pod, 'status', 'podIPs', 0, 'ip') || str(pod, 'status', 'podIP') || '<none>';
  return [
    name(pod),
    `${s.ready}/${s.total}`,
    s.reason,
    restartsCell(s, now),
    age(pod, now),
    ip,
    str(pod, 'spec', 'nodeName') || '<none>',
    str(pod, 'status', 'nominatedNodeName') || '<none>',
    readinessGates(pod),
  ];
}

function podConditions(pod: KObject): TableRowCondition[] | undefined {
  switch (str(pod, 'status', 'phase')) {
    case 'Succeeded':
      return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
    case 'Failed':
      return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    default:
      return undefined;
  }
}

export const podPrinter: TablePrinter = { columns: COLUMNS, row: podRow, conditions: podConditions };
