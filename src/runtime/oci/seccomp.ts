// The RuntimeDefault seccomp profile, as a deny-list: every syscall is allowed except those
// that reach outside the container or the kernel's shared state (modules, reboot, clocks,
// mounts and namespaces, keyrings, tracing other processes, BPF, perf, userfaultfd, …), which
// fail with EPERM. As Docker's and containerd's defaults do, a syscall that a capability
// exists to grant stays allowed when the container holds that capability (mount with
// CAP_SYS_ADMIN, ptrace with CAP_SYS_PTRACE, …). Syscalls of other architectures are refused
// by runc (libseccomp's bad-arch action), so the deny-list cannot be bypassed through them;
// names this kernel does not know are skipped by runc. Pure.

export interface SeccompSpec {
  defaultAction: 'SCMP_ACT_ALLOW';
  syscalls: Array<{ names: string[]; action: 'SCMP_ACT_ERRNO'; errnoRet: number }>;
}

const EPERM = 1;

/** Syscalls refused unless the container holds the capability (key '' = always refused). */
const DENIED: Record<string, readonly string[]> = {
  '': [
    'add_key', 'keyctl', 'request_key', 'bpf', 'perf_event_open', 'userfaultfd', 'lookup_dcookie', 'kexec_load',
    'kexec_file_load', 'create_module', 'get_kernel_syms', 'query_module', 'nfsservctl', 'uselib', 'ustat', 'sysfs',
    '_sysctl', 'vm86', 'vm86old', 'swapon', 'swapoff',
  ],
  CAP_SYS_ADMIN: [
    'mount', 'umount', 'umount2', 'unshare', 'setns', 'pivot_root', 'quotactl', 'fsopen', 'fsconfig', 'fsmount', 'fspick',
    'move_mount', 'open_tree', 'mount_setattr', 'fanotify_init', 'lookup_dcookie',
  ],
  CAP_SYS_PTRACE: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'process_madvise'],
  CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime', 'clock_adjtime', 'adjtimex'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_RAWIO: ['ioperm', 'iopl'],
  CAP_DAC_READ_SEARCH: ['open_by_handle_at', 'name_to_handle_at'],
  CAP_SYS_NICE: ['mbind', 'set_mempolicy', 'move_pages'],
};

/** The profile for a container holding `capabilities` (CAP_* names). */
export function runtimeDefaultSeccomp(capabilities: readonly string[]): SeccompSpec {
  const held = new Set(capabilities);
  const names = new Set<string>();
  for (const [cap, calls] of Object.entries(DENIED)) {
    if (cap !== '' && held.has(cap)) continue;
    for (const c of calls) names.add(c);
  }
  // A syscall listed both always and under a held capability stays denied.
  for (const c of DENIED['']) names.add(c);
  return { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [...names].sort(), action: 'SCMP_ACT_ERRNO', errnoRet: EPERM }] };
}
