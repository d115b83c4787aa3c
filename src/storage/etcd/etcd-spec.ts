// The `--datastore etcd://…` value, parsed. Pure.
//
//   etcd://HOST:PORT[,HOST:PORT…][/][?prefix=/PATH]   plain gRPC
//   etcds://HOST:PORT[,HOST:PORT…][/][?prefix=/PATH]  TLS (--etcd-cafile, --etcd-certfile, --etcd-keyfile)
//
// `prefix` is put in front of every key (our keys already start with /registry/, as
// upstream's do with the default --etcd-prefix=/registry), so several clusters can share one
// etcd; default none.

export interface EtcdSpec {
  /** gRPC endpoints as etcd3 wants them: http(s)://host:port. */
  endpoints: string[];
  tls: boolean;
  prefix: string;
}

export interface EtcdTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Name to check the members' certificates for, instead of each endpoint's host (embedded members: localhost). */
  serverName?: string;
}

export function isEtcdSpec(spec: string): boolean {
  return spec.startsWith('etcd://') || spec.startsWith('etcds://');
}

/** Throws an Error whose message says what is wrong with the value. */
export function parseEtcdSpec(spec: string): EtcdSpec {
  const m = /^(etcds?):\/\/([^/?]*)\/?(?:\?(.*))?$/.exec(spec);
  if (!m) throw new Error(`"${spec}" is not an etcd datastore: expected etcd://HOST:PORT[,HOST:PORT...][?prefix=/PATH]`);
  const tls = m[1] === 'etcds';
  const hosts = m[2]!.split(',').map((h) => h.trim()).filter((h) => h !== '');
  if (hosts.length === 0) throw new Error(`"${spec}" names no etcd endpoint: expected etcd://HOST:PORT`);
  const endpoints = hosts.map((h) => {
    const hp = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(h);
    const port = hp?.[2] === undefined ? 2379 : Number(hp[2]);
    if (!hp || port < 1 || port > 65535) throw new Error(`"${h}" in ${spec} is not HOST:PORT`);
    return `${tls ? 'https' : 'http'}://${hp[1]}:${port}`;
  });
  let prefix = '';
  if (m[3]) {
    const q = new URLSearchParams(m[3]);
    for (const k of q.keys()) if (k !== 'prefix') throw new Error(`unknown etcd datastore option "${k}" in ${spec}: only prefix is known`);
    prefix = q.get('prefix') ?? '';
    if (prefix !== '' && !prefix.startsWith('/')) throw new Error(`etcd prefix "${prefix}" must start with /`);
    prefix = prefix.replace(/\/+$/, '');
  }
  return { endpoints, tls, prefix };
}
