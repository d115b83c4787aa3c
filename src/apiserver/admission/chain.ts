// The ordered admission chain. As upstream, every mutating plugin runs (in order) before any
// validating one, and the validating plugins see the object after the kind's validation.
import type { AdmissionAttributes, AdmissionPlugin } from './types.js';

export class AdmissionChain {
  constructor(readonly plugins: readonly AdmissionPlugin[]) {}

  async mutate(a: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) if (p.mutate && p.handles(a)) await p.mutate(a);
  }

  async validate(a: Readonly<AdmissionAttributes>): Promise<void> {
    for (const p of this.plugins) if (p.validate && p.handles(a)) await p.validate(a);
  }
}
