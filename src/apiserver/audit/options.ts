/** The audit log's settings, as kube-apiserver's --audit-* flags. */
export interface AuditOptions {
  /** audit.k8s.io/v1 Policy file (YAML or JSON). */
  policyFile: string;
  /** JSON-lines log file; `-` writes to standard output. */
  logPath: string;
  /** Rotate when the file would pass this many megabytes (0: upstream's 100). */
  maxSizeMB?: number;
  /** Rotated files to keep (0: all). */
  maxBackups?: number;
  /** Days to keep rotated files (0: no limit). */
  maxAgeDays?: number;
}
