// projected volumes: configMap, secret, downwardAPI and serviceAccountToken sources in one
// directory. Tokens come from the TokenRequest API (`POST serviceaccounts/<sa>/token`, bound
// to the pod) and are refreshed once 80% of their lifetime has passed, as upstream's token
// manager does; the pod's periodic resync re-runs setUp, which notices.
import { R } from '../../client/index.js';
import type { Pod, TokenRequest, Volume } from '../../api/types/index.js';
import { writeAtomically, type Payload } from './atomic-writer.js';
import { addKeyFiles, configMapData, secretData } from './key-payload.js';
import { addDownwardFiles } from './downward-api.js';
import { VolumeSetUpError, type HostVolume, type VolumeContext, type VolumePlugin } from './types.js';
import { DEFAULT_FILE_MODE } from '../../api/defaults/index.js';
import { podSpec } from '../pod-types.js';

const DEFAULT_TOKEN_SECONDS = 3600;
const REFRESH_FRACTION = 0.8;

interface CachedToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

export class ProjectedPlugin implements VolumePlugin {
  readonly name = 'kubernetes.io~projected';
  private readonly tokens = new Map<string, CachedToken>();

  canSupport(v: Readonly<Volume>): boolean {
    return !!v.projected;
  }

  async setUp(pod: Readonly<Pod>, v: Readonly<Volume>, dir: string, ctx: VolumeContext): Promise<HostVolume> {
    const ns = pod.metadata.namespace ?? 'default';
    const defaultMode = v.projected!.defaultMode ?? DEFAULT_FILE_MODE;
    const payload: Payload = new Map();
    for (const src of v.projected!.sources ?? []) {
      if (src.configMap) {
        const name = src.configMap.name ?? '';
        const cm = await ctx.getter.configMap(ns, name);
        if (!cm && src.configMap.optional !== true) throw new VolumeSetUpError(`configmap "${name}" not found`);
        if (cm) addKeyFiles(payload, configMapData(cm), src.configMap.items, defaultMode, src.configMap.optional === true, 'configmap');
      } else if (src.secret) {
        const name = src.secret.name ?? '';
        const s = await ctx.getter.secret(ns, name);
        if (!s && src.secret.optional !== true) throw new VolumeSetUpError(`secret "${name}" not found`);
        if (s) addKeyFiles(payload, secretData(s), src.secret.items, defaultMode, src.secret.optional === true, 'secret');
      } else if (src.downwardAPI) {
        addDownwardFiles(payload, src.downwardAPI.items, defaultMode, ctx.downward);
      } else if (src.serviceAccountToken) {
        const t = src.serviceAccountToken;
        const token = await this.token(pod, dir, t.audience ?? '', t.expirationSeconds ?? DEFAULT_TOKEN_SECONDS, t.path, ctx);
        // Tokens are private to the pod's user: 0600 unless the volume says otherwise (upstream).
        payload.set(t.path, { data: Buffer.from(token, 'utf8'), mode: v.projected!.defaultMode ?? 0o600 });
      }
    }
    await writeAtomically(dir, payload, ctx.clock.now());
    return { hostPath: dir, readOnly: true };
  }

  async tearDown(dir: string): Promise<void> {
    for (const k of this.tokens.keys()) if (k.startsWith(dir + '\0')) this.tokens.delete(k);
    const { promises: fs } = await import('node:fs');
    await fs.rm(dir, { recursive: true, force: true });
  }

  private async token(pod: Readonly<Pod>, dir: string, audience: string, expirationSeconds: number, path: string, ctx: VolumeContext): Promise<string> {
    const key = `${dir}\0${path}\0${audience}`;
    const now = ctx.clock.now();
    const cached = this.tokens.get(key);
    if (cached && now < cached.issuedAt + REFRESH_FRACTION * (cached.expiresAt - cached.issuedAt)) return cached.token;
    const sa = podSpec(pod).serviceAccountName || 'default';
    let resp: TokenRequest;
    try {
      resp = await ctx.client.createSubresource<TokenRequest>(R.serviceaccounts, pod.metadata.namespace, sa, 'token', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: audience ? [audience] : [],
          expirationSeconds,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
        },
      });
    } catch (e) {
      // A still-valid token is better than none while the API is unreachable.
      if (cached && now < cached.expiresAt) return cached.token;
      throw new VolumeSetUpError(`failed to fetch token: ${(e as Error).message}`, { cause: e });
    }
    const token = resp.status?.token;
    if (!token) throw new VolumeSetUpError('failed to fetch token: empty TokenRequest status');
    const exp = Date.parse(resp.status?.expirationTimestamp ?? '');
    this.tokens.set(key, { token, issuedAt: now, expiresAt: Number.isNaN(exp) ? now + expirationSeconds * 1000 : Math.max(exp, now + 1000) });
    return token;
  }
}
