// Kinds whose only difference from the default strategy is their initial status.
import type { KObject } from '../../../api/types/index.js';
import { Strategy } from '../strategy.js';
import type { RequestContext } from '../../context.js';
import { jobSelectorAndLabels } from '../../../api/defaults/index.js';

/** Nodes register with the status the kubelet reports. */
export class NodeStrategy extends Strategy {
  override initialStatus(_obj: KObject): unknown {
    return undefined;
  }
}

export class PhasePendingStrategy extends Strategy {
  override initialStatus(): unknown {
    return { phase: 'Pending' };
  }
}

/** Secrets: stringData is a write-only convenience merged into data (base64) on every write. */
export class SecretStrategy extends Strategy {
  private foldStringData(obj: KObject): void {
    const sd = obj.stringData as Record<string, unknown> | undefined;
    if (sd && typeof sd === 'object') {
      const data = { ...((obj.data as Record<string, string> | undefined) ?? {}) };
      for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
      obj.data = data;
    }
    delete obj.stringData;
  }
  override applyDefaults(obj: KObject): void {
    this.foldStringData(obj);
    super.applyDefaults(obj);
  }
}

/** Jobs: the server generates the selector and pod labels from the Job's uid (unless manualSelector). */
export class JobStrategy extends Strategy {
  override async prepareForCreate(obj: KObject, ctx: RequestContext): Promise<void> {
    await super.prepareForCreate(obj, ctx);
    jobSelectorAndLabels(obj, obj.metadata.uid ?? '');
  }
}
