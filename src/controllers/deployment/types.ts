// Typed view of the apps/v1 Deployment fields the controller reads and writes.
import type { KObject } from '../../api/types/index.js';
import type { LabelSelectorMeta } from '../../api/selectors/index.js';
import type { PodTemplateSpec } from '../replicaset/index.js';

export type IntOrString = number | string;

export interface DeploymentStrategy {
  type?: 'RollingUpdate' | 'Recreate' | string;
  rollingUpdate?: { maxSurge?: IntOrString; maxUnavailable?: IntOrString };
}

export interface DeploymentSpec {
  replicas?: number;
  selector?: LabelSelectorMeta;
  template?: PodTemplateSpec;
  strategy?: DeploymentStrategy;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
}

export interface DeploymentCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** upstream JSON: every field is omitted when zero. */
export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
}

export interface Deployment extends KObject {
  spec?: DeploymentSpec;
  status?: DeploymentStatus;
}

export const DEPLOYMENT_API_VERSION = 'apps/v1';
export const DEPLOYMENT_KIND = 'Deployment';

/** spec.replicas after defaulting. */
export function deploymentReplicas(d: Readonly<Deployment>): number {
  return d.spec?.replicas ?? 1;
}

export function isRollingUpdate(d: Readonly<Deployment>): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** progressDeadlineSeconds set and not "forever" (MaxInt32). */
export function hasProgressDeadline(d: Readonly<Deployment>): boolean {
  const p = d.spec?.progressDeadlineSeconds;
  return p !== undefined && p !== null && p !== 2147483647;
}
