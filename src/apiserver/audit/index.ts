// The audit log (kube-apiserver's --audit-policy-file and --audit-log-*): loaded by the API
// server only when a policy file is configured.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { AuditLog } from './audit-log.js';
import { AuditLogWriter } from './log-writer.js';
import { AuditPolicyError, parseAuditPolicy, type AuditPolicy } from './policy.js';
import type { AuditOptions } from './options.js';

export { AuditLog } from './audit-log.js';
export { AuditLogWriter, backupName, pruneBackups } from './log-writer.js';
export { evaluatePolicy, parseAuditPolicy, AuditPolicyError, type AuditPolicy, type AuditLevel, type AuditStage } from './policy.js';
export type { AuditOptions } from './options.js';

/** Reads and checks a Policy file (YAML or JSON); AuditPolicyError with a one-line reason otherwise. */
export function loadAuditPolicy(file: string): AuditPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AuditPolicyError(`cannot read the audit policy file ${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new AuditPolicyError(`the audit policy file ${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    return parseAuditPolicy(doc);
  } catch (e) {
    throw new AuditPolicyError(`${file}: ${(e as Error).message}`);
  }
}

export async function openAuditLog(o: AuditOptions): Promise<AuditLog> {
  const policy = loadAuditPolicy(o.policyFile);
  const writer = new AuditLogWriter({ path: o.logPath, maxSizeMB: o.maxSizeMB, maxBackups: o.maxBackups, maxAgeDays: o.maxAgeDays });
  await writer.open();
  return new AuditLog(policy, writer);
}
