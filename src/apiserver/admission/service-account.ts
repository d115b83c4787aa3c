// ServiceAccount admission, token half: a new pod gets the projected kube-api-access-<suffix>
// volume (token, ca.crt, namespace) mounted in every container, unless the pod — or, when
// the pod is silent, its ServiceAccount — sets automountServiceAccountToken: false. Mirror
// pods are left alone. (Naming the `default` account is done by the Pod strategy.) The
// kubelet still adds the same volume to pods stored before this plugin existed.
import { randomInt } from 'node:crypto';
import type { Pod, ServiceAccount } from '../../api/types/index.js';
import { addServiceAccountTokenVolume } from '../../api/defaults/index.js';
import type { AdmissionAttributes, AdmissionPlugin, ObjectLookup } from './types.js';

// upstream's utilrand alphabet: no vowels, no confusable characters.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function suffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

export class ServiceAccountPlugin implements AdmissionPlugin {
  readonly name = 'ServiceAccount';

  constructor(private readonly lookup: ObjectLookup) {}

  handles(a: Readonly<AdmissionAttributes>): boolean {
    return a.operation === 'CREATE' && a.subresource === '' && a.def.group === '' && a.def.plural === 'pods';
  }

  mutate(a: AdmissionAttributes): void {
    const pod = a.object as Pod;
    if (pod.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined) return;
    const spec = pod.spec;
    if (!spec || spec.automountServiceAccountToken === false) return;
    if (spec.automountServiceAccountToken === undefined) {
      const name = spec.serviceAccountName || spec.serviceAccount || 'default';
      const sa = this.lookup.get('', 'serviceaccounts', a.namespace, name) as Readonly<ServiceAccount> | undefined;
      if (sa?.automountServiceAccountToken === false) return;
    }
    addServiceAccountTokenVolume(pod, suffix());
  }
}
