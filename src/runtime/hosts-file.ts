// The first lines of every Kubernetes-managed /etc/hosts (as upstream's kubelet writes them):
// the runtime's default for a sandbox and the kubelet's file with the pod's names share them.
export const MANAGED_HOSTS_HEADER: readonly string[] = [
  '# Kubernetes-managed hosts file.',
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'fe00::0\tip6-mcastprefix',
  'fe00::1\tip6-allnodes',
  'fe00::2\tip6-allrouters',
];
