// Which PodSecurity level and version apply to a namespace: its
// pod-security.kubernetes.io/<mode>[-version] labels over the cluster default. Pure.
import { LEVELS, type Level } from './checks.js';

export type Mode = 'enforce' | 'audit' | 'warn';
export const MODES: readonly Mode[] = ['enforce', 'audit', 'warn'];
export const LABEL_PREFIX = 'pod-security.kubernetes.io/';

export interface LevelVersion {
  level: Level;
  /** 'latest' or 'v1.N'. */
  version: string;
}

export type NamespacePolicy = Record<Mode, LevelVersion>;

export interface PodSecurityConfig {
  defaults: NamespacePolicy;
  exemptions: { usernames: string[]; namespaces: string[]; runtimeClasses: string[] };
}

/** The server's default (issue 13): baseline enforced, restricted warned, kube-system exempt. */
export function defaultPodSecurityConfig(): PodSecurityConfig {
  return {
    defaults: {
      enforce: { level: 'baseline', version: 'latest' },
      audit: { level: 'privileged', version: 'latest' },
      warn: { level: 'restricted', version: 'latest' },
    },
    exemptions: { usernames: [], namespaces: ['kube-system'], runtimeClasses: [] },
  };
}

export function isLevel(v: string): v is Level {
  return (LEVELS as readonly string[]).includes(v);
}

export function isVersion(v: string): boolean {
  return v === 'latest' || /^v1\.(0|[1-9][0-9]*)$/.test(v);
}

/** Parses `level` or `level:version` (the server flags); throws Error with a readable message. */
export function parseLevelVersion(text: string, what: string): LevelVersion {
  const [level, version = 'latest'] = text.trim().split(':', 2);
  if (!isLevel(level)) throw new Error(`${what}: level must be one of ${LEVELS.join(', ')}, got "${level}"`);
  if (!isVersion(version)) throw new Error(`${what}: version must be "latest" or like "v1.32", got "${version}"`);
  return { level, version };
}

/**
 * The namespace's policy. As upstream, an invalid level label fails closed (restricted) and an
 * invalid version label means latest (for namespaces stored before the check). Also returns the
 * label problems: a namespace write that carries any is refused.
 */
export interface LabelError {
  label: string;
  value: string;
  detail: string;
}

export function namespacePolicy(labels: Readonly<Record<string, string>> | undefined, defaults: NamespacePolicy): { policy: NamespacePolicy; errors: LabelError[] } {
  const policy = { ...defaults } as NamespacePolicy;
  const errors: LabelError[] = [];
  for (const mode of MODES) {
    const lv = { ...defaults[mode] };
    const level = labels?.[`${LABEL_PREFIX}${mode}`];
    if (level !== undefined) {
      if (isLevel(level)) lv.level = level;
      else {
        errors.push({ label: `${LABEL_PREFIX}${mode}`, value: level, detail: `must be one of ${LEVELS.join(', ')}` });
        lv.level = 'restricted';
      }
    }
    const version = labels?.[`${LABEL_PREFIX}${mode}-version`];
    if (version !== undefined) {
      if (isVersion(version)) lv.version = version;
      else {
        errors.push({ label: `${LABEL_PREFIX}${mode}-version`, value: version, detail: 'must be "latest" or "v1.x"' });
        lv.version = 'latest';
      }
    }
    policy[mode] = lv;
  }
  return { policy, errors };
}

export function formatLevel(lv: LevelVersion): string {
  return `${lv.level}:${lv.version}`;
}
