// HorizontalPodAutoscaler: autoscaling/v1 ⇄ autoscaling/v2.
//
// v1 only knows a CPU utilization target. Like upstream, everything else survives a trip
// through v1 in `autoscaling.alpha.kubernetes.io/*` annotations (JSON, v2 shapes here):
//   metrics          – spec metrics other than the CPU utilization one (which goes last on the way back)
//   current-metrics  – status.currentMetrics, when they hold more than a plain CPU utilization
//   conditions       – status.conditions
//   behavior         – spec.behavior

import type { Obj } from './util.js';
import { obj, parseJsonArray, parseJsonObject, putAnnotation, takeAnnotation } from './util.js';

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';

/** The v2 metric that v1's targetCPUUtilizationPercentage stands for. */
function isCpuUtilization(m: unknown): boolean {
  const r = obj(obj(m)?.resource);
  const t = obj(r?.target);
  return obj(m)?.type === 'Resource' && r?.name === 'cpu' && t?.type === 'Utilization' && typeof t.averageUtilization === 'number'
    && Object.keys(t).length === 2 && Object.keys(r ?? {}).length === 2;
}

function isPlainCpuCurrent(m: unknown): boolean {
  const r = obj(obj(m)?.resource);
  const c = obj(r?.current);
  return obj(m)?.type === 'Resource' && r?.name === 'cpu' && typeof c?.averageUtilization === 'number'
    && Object.keys(c).length === 1 && Object.keys(r ?? {}).length === 2;
}

export function hpaToV1(o: Obj): void {
  const spec = obj(o.spec);
  if (spec) {
    const metrics = Array.isArray(spec.metrics) ? spec.metrics : [];
    delete spec.metrics;
    const cpuIdx = metrics.findIndex(isCpuUtilization);
    if (cpuIdx >= 0) {
      spec.targetCPUUtilizationPercentage = obj(obj(obj(metrics[cpuIdx])?.resource)?.target)?.averageUtilization;
    }
    const others = metrics.filter((_, i) => i !== cpuIdx);
    if (others.length > 0) putAnnotation(o, METRICS_ANNOTATION, JSON.stringify(others));
    if (spec.behavior !== undefined) {
      putAnnotation(o, BEHAVIOR_ANNOTATION, JSON.stringify(spec.behavior));
      delete spec.behavior;
    }
  }
  const status = obj(o.status);
  if (status) {
    const current = Array.isArray(status.currentMetrics) ? status.currentMetrics : [];
    delete status.currentMetrics;
    const cpu = current.find((m) => {
      const r = obj(obj(m)?.resource);
      return obj(m)?.type === 'Resource' && r?.name === 'cpu' && typeof obj(r.current)?.averageUtilization === 'number';
    });
    if (cpu) status.currentCPUUtilizationPercentage = obj(obj(obj(cpu)?.resource)?.current)?.averageUtilization;
    if (current.length > 1 || (current.length === 1 && !isPlainCpuCurrent(current[0]))) {
      putAnnotation(o, CURRENT_METRICS_ANNOTATION, JSON.stringify(current));
    }
    if (Array.isArray(status.conditions)) {
      putAnnotation(o, CONDITIONS_ANNOTATION, JSON.stringify(status.conditions));
      delete status.conditions;
    }
  }
}

export function hpaToV2(o: Obj): void {
  const spec = obj(o.spec);
  const otherMetrics = parseJsonArray(takeAnnotation(o, METRICS_ANNOTATION));
  const behavior = parseJsonObject(takeAnnotation(o, BEHAVIOR_ANNOTATION));
  const currentMetrics = parseJsonArray(takeAnnotation(o, CURRENT_METRICS_ANNOTATION));
  const conditions = parseJsonArray(takeAnnotation(o, CONDITIONS_ANNOTATION));
  if (spec) {
    const metrics: unknown[] = otherMetrics ? [...otherMetrics] : [];
    if (typeof spec.targetCPUUtilizationPercentage === 'number') {
      metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
    }
    delete spec.targetCPUUtilizationPercentage;
    if (metrics.length > 0) spec.metrics = metrics;
    if (behavior) spec.behavior = behavior;
  }
  const status = obj(o.status);
  if (status) {
    const cpu = status.currentCPUUtilizationPercentage;
    delete status.currentCPUUtilizationPercentage;
    if (currentMetrics) status.currentMetrics = currentMetrics;
    else if (typeof cpu === 'number') status.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cpu } } }];
    if (conditions) status.conditions = conditions;
  }
}
