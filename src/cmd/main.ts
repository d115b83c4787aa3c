// Entry point of the k8ts binary: picks the command, nothing else.
import { runServer, CliError, isFlagError } from '../cli/index.js';
import { runImage } from '../cli/image.js';
import { runService } from '../cli/service.js';
import { runAgent } from '../cli/agent.js';

const usage = `k8ts — a small Kubernetes

Usage: k8ts COMMAND [flags]

Commands:
  start       start a local cluster in the background and wait until it is up (like minikube start)
  status      is the cluster running? (exit code 0 when it is)
  stop        stop the cluster and every pod of its node; start brings it all back
  delete      stop the cluster and delete its data dir
  kubeconfig  print the admin kubeconfig, or merge it into ~/.kube/config (--merge)
  kubectl     run kubectl against the cluster: k8ts kubectl get pods -A
  server      run the control plane (and the local node) in the foreground
  agent       join this machine to a cluster as a node (--server URL --token TOKEN)
  token       create, list and delete join tokens that expire (k8ts token create --ttl 24h)
  etcd-snapshot  save or restore a snapshot of the embedded etcd (k8ts etcd-snapshot save [PATH])
  etcd-member    list or remove members of the embedded etcd cluster
  image       load, list and remove images in the node's image store
  history     an object's revisions, who changed what, diffs; deleted objects (k8ts history deploy/web)
  service     print the URL that reaches a NodePort or LoadBalancer Service (--url)
  why         say in plain words why an object is not working: k8ts why deploy/web
  dashboard   print (or --open) the web dashboard's URL, and a token to sign in with (--token)
  completion  print a shell completion script (bash, zsh)
  version     print the version

Run 'k8ts COMMAND --help' (or 'k8ts help COMMAND') for a command's flags. Flags also come from
K8TS_<FLAG> environment variables and a config file: see 'k8ts server --help'.
`;

/** Each command's help text, loaded on demand (for 'k8ts help COMMAND' and the completion script). */
async function helpTexts(): Promise<Record<string, string>> {
  const [server, agent, image, service, cluster, kubeconfig, kubectl, completion, token, why, etcdSnapshot, history, dashboard] = await Promise.all([
    import('../cli/server.js'),
    import('../cli/agent.js'),
    import('../cli/image.js'),
    import('../cli/service.js'),
    import('../cli/cluster.js'),
    import('../cli/kubeconfig.js'),
    import('../cli/kubectl.js'),
    import('../cli/completion.js'),
    import('../cli/token.js'),
    import('../cli/why.js'),
    import('../cli/etcd-snapshot.js'),
    import('../cli/history.js'),
    import('../cli/dashboard.js'),
  ]);
  return {
    start: cluster.fullStartHelp(server.serverHelp),
    status: cluster.statusHelp,
    stop: cluster.stopHelp,
    delete: cluster.deleteHelp,
    kubeconfig: kubeconfig.kubeconfigHelp,
    kubectl: kubectl.kubectlHelp,
    server: server.serverHelp,
    agent: agent.agentHelp,
    image: image.imageHelp,
    service: service.serviceHelp,
    token: token.tokenHelp,
    why: why.whyHelp,
    'etcd-snapshot': etcdSnapshot.etcdSnapshotHelp,
    'etcd-member': etcdSnapshot.etcdMemberHelp,
    history: history.historyHelp,
    dashboard: dashboard.dashboardHelp,
    completion: completion.completionHelp,
  };
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'server':
      return runServer(rest);
    case 'agent':
      return runAgent(rest);
    case 'image':
      return runImage(rest);
    case 'service':
      return runService(rest);
    case 'token':
      return (await import('../cli/token.js')).runToken(rest);
    case 'why':
      return (await import('../cli/why.js')).runWhy(rest);
    case 'etcd-snapshot':
      return (await import('../cli/etcd-snapshot.js')).runEtcdSnapshot(rest);
    case 'etcd-member':
      return (await import('../cli/etcd-snapshot.js')).runEtcdMember(rest);
    case 'history':
      return (await import('../cli/history.js')).runHistory(rest);
    case 'dashboard':
      return (await import('../cli/dashboard.js')).runDashboard(rest);
    case 'start':
      return (await import('../cli/cluster.js')).runStart(rest);
    case 'status':
      return (await import('../cli/cluster.js')).runStatus(rest);
    case 'stop':
      return (await import('../cli/cluster.js')).runStop(rest);
    case 'delete':
      return (await import('../cli/cluster.js')).runDelete(rest);
    case 'kubeconfig':
      return (await import('../cli/kubeconfig.js')).runKubeconfig(rest);
    case 'kubectl':
      return (await import('../cli/kubectl.js')).runKubectl(rest);
    case 'completion':
      return (await import('../cli/completion.js')).runCompletion(rest, helpTexts);
    case 'version':
    case '--version': {
      if (rest.includes('-h') || rest.includes('--help')) return void process.stdout.write('Usage: k8ts version\n\nPrints the version of k8ts and of the Kubernetes API it serves.\n');
      const { K8TS_VERSION } = await import('../cli/version.js');
      process.stdout.write(`k8ts v${K8TS_VERSION} (Kubernetes API v1.32)\n`);
      return;
    }
    case 'help': {
      const texts = rest[0] ? await helpTexts() : {};
      if (rest[0] && !texts[rest[0]]) throw new CliError(`no command "${rest[0]}": run 'k8ts --help' for the list of commands`);
      process.stdout.write(rest[0] ? texts[rest[0]] : usage);
      return;
    }
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(usage);
      return;
    default:
      throw new CliError(`unknown command "${cmd}": run 'k8ts --help' for the list of commands`);
  }
}

// `k8ts status | head -1`: a closed pipe ends the output, not with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof CliError) {
    process.stderr.write(`k8ts: ${e.message}\n`);
    process.exit(e.exitCode);
  }
  if (isFlagError(e)) {
    process.stderr.write(`k8ts: ${e.message}; run with --help for the flags\n`);
    process.exit(1);
  }
  process.stderr.write(`k8ts: unexpected error: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(70);
});
