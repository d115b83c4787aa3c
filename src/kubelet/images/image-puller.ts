// Makes a container's image present per its imagePullPolicy, as upstream's
// images.imageManager.EnsureImageExists:
//
//   Never ──present?──▶ ok | ErrImageNeverPull
//   IfNotPresent ──present?──▶ ok ("already present on machine")
//   Always / missing ──in back-off?──▶ ImagePullBackOff
//                    └─ pull ──▶ Pulled | ErrImagePull (back-off grows 10 s → 5 min)
//
// Credentials come from the pod's imagePullSecrets (kubernetes.io/dockerconfigjson or
// dockercfg), matched on the image's registry host.
import type { Secret } from '../../api/types/index.js';
import type { EventRecorder, Clock } from '../../client/index.js';
import type { ImageInfo, ImageService, PullAuth } from '../../runtime/index.js';
import type { Container, Pod } from '../../api/types/index.js';
import { EVENT, WAITING } from '../constants.js';
import { Backoff } from '../backoff.js';
import { InvalidImageNameError, normalizeImage, registryHost } from './image-ref.js';
import { podSpec } from '../pod-types.js';

export type EnsureImageResult =
  | { kind: 'ok'; ref: string; info: ImageInfo }
  | { kind: 'waiting'; reason: string; message: string };

export interface SecretGetter {
  secret(namespace: string, name: string): Promise<Readonly<Secret> | undefined>;
}

export class ImagePuller {
  private readonly backoff: Backoff;
  /** Image info by id, for imageID reporting of adopted containers. */
  readonly known = new Map<string, ImageInfo>();

  constructor(private readonly images: ImageService, private readonly recorder: EventRecorder, private readonly clock: Clock, private readonly secrets: SecretGetter) {
    this.backoff = new Backoff(clock);
  }

  async ensure(pod: Readonly<Pod>, c: Readonly<Container>): Promise<EnsureImageResult> {
    let ref: string;
    try {
      ref = normalizeImage(c.image ?? '');
    } catch (e) {
      if (!(e instanceof InvalidImageNameError)) throw e;
      const message = `Failed to apply default image tag "${c.image ?? ''}": ${e.message}`;
      this.recorder.event(pod, 'Warning', EVENT.Failed, message);
      return { kind: 'waiting', reason: WAITING.InvalidImageName, message };
    }
    const policy = c.imagePullPolicy ?? (ref.endsWith(':latest') ? 'Always' : 'IfNotPresent');
    const present = policy === 'Always' ? undefined : await this.images.imageStatus({ ref });
    if (present) {
      this.known.set(present.id, present);
      this.recorder.event(pod, 'Normal', EVENT.Pulled, `Container image "${c.image}" already present on machine`);
      return { kind: 'ok', ref, info: present };
    }
    if (policy === 'Never') {
      const message = `Container image "${c.image}" is not present with pull policy of Never`;
      this.recorder.event(pod, 'Warning', EVENT.ErrImageNeverPull, message);
      return { kind: 'waiting', reason: WAITING.ErrImageNeverPull, message };
    }
    const key = `${pod.metadata.uid}/${ref}`;
    if (this.backoff.remainingSinceUpdate(key) > 0) {
      const message = `Back-off pulling image "${c.image}"`;
      this.recorder.event(pod, 'Normal', EVENT.BackOff, message);
      this.recorder.event(pod, 'Warning', EVENT.Failed, `Error: ${WAITING.ImagePullBackOff}`);
      return { kind: 'waiting', reason: WAITING.ImagePullBackOff, message };
    }
    this.recorder.event(pod, 'Normal', EVENT.Pulling, `Pulling image "${c.image}"`);
    const started = this.clock.now();
    try {
      const auth = await this.authFor(pod, ref);
      const info = await this.images.pullImage({ ref }, auth);
      this.backoff.reset(key);
      this.known.set(info.id, info);
      const secs = ((this.clock.now() - started) / 1000).toFixed(3).replace(/\.?0+$/, '') || '0';
      this.recorder.event(pod, 'Normal', EVENT.Pulled, `Successfully pulled image "${c.image}" in ${secs}s (${secs}s including waiting). Image size: ${info.sizeBytes} bytes.`);
      return { kind: 'ok', ref, info };
    } catch (e) {
      this.backoff.next(key);
      const msg = (e as Error).message ?? String(e);
      this.recorder.event(pod, 'Warning', EVENT.Failed, `Failed to pull image "${c.image}": ${msg}`);
      this.recorder.event(pod, 'Warning', EVENT.Failed, `Error: ${WAITING.ErrImagePull}`);
      return { kind: 'waiting', reason: WAITING.ErrImagePull, message: msg };
    }
  }

  /** Milliseconds until the next pull attempt is allowed for the pod's image (0 now). */
  pullBackoffRemaining(podUid: string, image: string): number {
    try {
      return this.backoff.remainingSinceUpdate(`${podUid}/${normalizeImage(image)}`);
    } catch {
      return 0;
    }
  }

  forgetPod(uid: string): void {
    this.backoff.resetPrefix(`${uid}/`);
  }

  private async authFor(pod: Readonly<Pod>, ref: string): Promise<PullAuth | undefined> {
    const host = registryHost(ref);
    for (const s of podSpec(pod).imagePullSecrets ?? []) {
      if (!s.name) continue;
      const secret = await this.secrets.secret(pod.metadata.namespace ?? 'default', s.name);
      const auth = secret && dockerAuthFor(secret, host);
      if (auth) return auth;
    }
    return undefined;
  }
}

interface DockerAuthEntry { username?: string; password?: string; auth?: string; identitytoken?: string; registrytoken?: string }

/** The credentials for `host` in a dockerconfigjson/dockercfg Secret, if any. */
export function dockerAuthFor(secret: Readonly<Secret>, host: string): PullAuth | undefined {
  const data = secret.data ?? {};
  let auths: Record<string, DockerAuthEntry> | undefined;
  try {
    if (data['.dockerconfigjson']) auths = (JSON.parse(Buffer.from(data['.dockerconfigjson'], 'base64').toString('utf8')) as { auths?: Record<string, DockerAuthEntry> }).auths;
    else if (data['.dockercfg']) auths = JSON.parse(Buffer.from(data['.dockercfg'], 'base64').toString('utf8')) as Record<string, DockerAuthEntry>;
  } catch {
    return undefined;
  }
  if (!auths) return undefined;
  const wanted = host === 'docker.io' ? ['docker.io', 'index.docker.io', 'registry-1.docker.io'] : [host];
  for (const [k, v] of Object.entries(auths)) {
    const keyHost = k.replace(/^https?:\/\//, '').split('/')[0];
    if (!wanted.includes(keyHost)) continue;
    const out: PullAuth = {};
    if (v.username) out.username = v.username;
    if (v.password) out.password = v.password;
    if (v.auth) {
      out.auth = v.auth;
      if (!v.username) {
        const [u, ...p] = Buffer.from(v.auth, 'base64').toString('utf8').split(':');
        out.username = u;
        out.password = p.join(':');
      }
    }
    if (v.identitytoken) out.identityToken = v.identitytoken;
    if (v.registrytoken) out.registryToken = v.registrytoken;
    return out;
  }
  return undefined;
}
