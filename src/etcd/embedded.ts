// Embedded etcd, like k3s: `k8ts server --cluster-init` runs a local etcd member (this
// server's datastore); `k8ts server --server URL --token TOKEN` joins the cluster as a new
// member and becomes one more API server.
//
//   --cluster-init (first start)      ensure PKI ─▶ member certs ─▶ etcd --initial-cluster-state new
//   --server URL --token T (first)    GET cacerts (pin by T's hash) ─▶ POST /k8ts/v1/etcd/join
//                                      ◀─ CA + SA keys, tokens, member list (the first server adds
//                                         us as a learner) ─▶ etcd --initial-cluster-state existing
//                                      ─▶ promote to voting member once caught up
//   any later start                    etcd on the data it has (flags about joining are ignored)
//
// The server token (<data-dir>/server-token, K10<CA hash>::server:<secret>) is separate from
// the agents' node-token: a server join receives the CA's private key.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdirPrivate, writePrivateFile } from '../util/secure-fs.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { badRequest, conflict as conflictStatus } from '../api/status.js';
import { RestClient } from '../client/rest-client.js';
import { caHashOf, ensurePki, SERVER_CACERTS_PATH, SERVER_JOIN_PATH } from '../pki/index.js';
import { createEtcdClient, parseEtcdSpec, type EtcdTlsFiles } from '../storage/index.js';
import { logger } from '../util/log.js';
import { ensureEtcdCerts, etcdTlsPaths } from './etcd-certs.js';
import { EtcdMember, hasMemberData, memberIdentity, type MemberIdentity } from './member.js';

const log = logger('etcd');

/** PKI files a joining server receives (in <data-dir>/tls): the same CAs and service-account key on every server. */
const SHARED_TLS_FILES = ['server-ca.crt', 'server-ca.key', 'kubelet-ca.crt', 'kubelet-ca.key', 'service-account.key'];

export interface EmbeddedEtcdOptions {
  dataDir: string;
  nodeName: string;
  /** Address other members reach this one at (peer and client URLs). */
  advertiseIP: string;
  clientPort: number;
  peerPort: number;
  /** Join an existing cluster through this server (first start only). */
  join?: { server: string; token: string };
}

export interface EmbeddedEtcd {
  member: EtcdMember;
  identity: MemberIdentity;
  /** --datastore value for this server: its own member first, then the others. */
  datastore: string;
  tls: EtcdTlsFiles;
  /** The credential joining servers must present (from <data-dir>/server-token). */
  serverCredential: string;
  /** Server side of a join: adds the member, answers what the new server needs. */
  addServer(body: unknown): Promise<ServerJoinAnswer>;
  /** Removes a member by name (the server is gone for good). */
  removeMember(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface ServerJoinAnswer {
  /** --initial-cluster for the new member (every member, the new one included). */
  initialCluster: string;
  memberID: string;
  clientURLs: string[];
  /** <data-dir>/tls files, by name. */
  tls: Record<string, string>;
  nodeToken?: string;
  serverToken: string;
}

/** Reads `<data-dir>/server-token`, creating it (mode 0600) on first start. */
export function ensureServerToken(dataDir: string, caPem: string): string {
  const path = join(dataDir, 'server-token');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const t = `K10${caHashOf(caPem)}::server:${randomBytes(16).toString('hex')}`;
  writePrivateFile(path, t + '\n', 0o600);
  return t;
}

/** `K10<hash>::server:<secret>` → its parts; undefined for anything else. Pure. */
export function parseServerToken(token: string): { caHash: string; credential: string } | undefined {
  const m = /^K10([0-9a-f]{64})::(server:[A-Za-z0-9._-]+)$/.exec(token.trim());
  return m ? { caHash: m[1]!, credential: m[2]! } : undefined;
}

async function request(server: string, method: string, path: string, o: { ca?: string; insecure?: boolean; bearer?: string; body?: unknown }): Promise<{ status: number; body: string }> {
  const client = new RestClient({ transport: { kind: 'https', server, ca: o.ca, token: o.bearer, insecureSkipVerify: o.insecure }, userAgent: 'k8ts-server-join', timeoutMs: 30_000 });
  try {
    const r = await client.request(method, path, o.body);
    return { status: r.status, body: r.body.toString('utf8') };
  } finally {
    client.close();
  }
}

/** Asks `server` to add this member; writes the shared PKI and tokens into the data dir. */
async function joinCluster(o: EmbeddedEtcdOptions, id: MemberIdentity): Promise<ServerJoinAnswer> {
  const t = parseServerToken(o.join!.token);
  if (!t) throw new Error(`--token is not a server token (K10<hash>::server:<secret>): use the one in <data-dir>/server-token on a server of the cluster`);
  const ca = await request(o.join!.server, 'GET', SERVER_CACERTS_PATH, { insecure: true }).catch((e: Error) => {
    throw new Error(`cannot reach the server at ${o.join!.server}: ${e.message}: check --server and that the server runs`);
  });
  if (ca.status !== 200) throw new Error(`the server at ${o.join!.server} does not take server joins (${ca.status}): it must run with --cluster-init`);
  if (caHashOf(ca.body) !== t.caHash) throw new Error(`the server at ${o.join!.server} presents a CA that does not match the token: wrong server, or a token from another cluster`);
  // etcd adds a member only once every member has been connected for a few seconds, so a server
  // that joins right after another is refused with "unhealthy cluster" for a while: ask again
  // (for up to a minute) instead of exiting.
  const askJoin = (): Promise<{ status: number; body: string }> => request(o.join!.server, 'POST', SERVER_JOIN_PATH, { ca: ca.body, bearer: t.credential, body: { name: id.name, peerURL: id.peerURL, clientURL: id.clientURL } });
  let r = await askJoin();
  for (let waited = 0; r.status >= 500 && /unhealthy cluster|not enough started members|too many learner/i.test(r.body) && waited < 60_000; waited += 2000) {
    log.info(`the etcd cluster is not ready to add a member yet (a recent join settles for a few seconds): asking ${o.join!.server} again in 2 s`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    r = await askJoin();
  }
  if (r.status !== 200) {
    let msg = r.body;
    try {
      msg = (JSON.parse(r.body) as { message?: string }).message ?? r.body;
    } catch {
      // not a Status
    }
    throw new Error(`the server at ${o.join!.server} refused the join (${r.status}): ${msg}`);
  }
  const answer = JSON.parse(r.body) as ServerJoinAnswer;
  const tlsDir = join(o.dataDir, 'tls');
  mkdirPrivate(tlsDir);
  for (const name of SHARED_TLS_FILES) {
    const content = answer.tls[name];
    if (typeof content !== 'string') throw new Error(`the join answer lacks ${name}`);
    writePrivateFile(join(tlsDir, name), content, name.endsWith('.crt') ? 0o644 : 0o600);
  }
  writePrivateFile(join(o.dataDir, 'server-token'), answer.serverToken + '\n', 0o600);
  if (answer.nodeToken) writePrivateFile(join(o.dataDir, 'node-token'), answer.nodeToken + '\n', 0o600);
  return answer;
}

/** The member's names for its certificate. */
function memberNames(ip: string): { dnsNames: string[]; ips: string[] } {
  return { dnsNames: ['localhost', hostname().toLowerCase()], ips: [...new Set(['127.0.0.1', ip])] };
}

export async function startEmbeddedEtcd(o: EmbeddedEtcdOptions): Promise<EmbeddedEtcd> {
  mkdirPrivate(o.dataDir);
  const id = memberIdentity(o.dataDir, o.nodeName, o.advertiseIP, o.clientPort, o.peerPort);
  const firstStart = !hasMemberData(o.dataDir);
  let initialCluster = { state: 'new' as 'new' | 'existing', members: `${id.name}=${id.peerURL}` };
  let learnerID: string | undefined;
  let otherClientURLs: string[] = [];
  if (firstStart && o.join) {
    const answer = await joinCluster(o, id);
    initialCluster = { state: 'existing', members: answer.initialCluster };
    learnerID = answer.memberID;
    otherClientURLs = answer.clientURLs.filter((u) => u !== id.clientURL);
    log.info(`joined the etcd cluster through ${o.join.server} as member ${id.name}`);
  }
  // The CA must exist before etcd (its certificates come from it); the API server completes the rest.
  const pki = await ensurePki(o.dataDir, { dnsNames: [], ips: [] });
  const paths = await ensureEtcdCerts(o.dataDir, memberNames(o.advertiseIP));
  const member = new EtcdMember({ dataDir: o.dataDir, identity: id, tls: paths, initialCluster });
  await member.start();
  const tls: EtcdTlsFiles = { caFile: paths.caFile, certFile: paths.clientCert, keyFile: paths.clientKey, serverName: 'localhost' };
  const localPort = new URL(id.clientURL).port;
  const localSpec = parseEtcdSpec(`etcds://127.0.0.1:${localPort}`);
  const client = createEtcdClient(localSpec, tls);
  const deadline = (ms = 10_000): { deadline: number } => ({ deadline: Date.now() + ms });
  try {
    if (learnerID) {
      // A learner catches up without counting for quorum; promote it once etcd agrees it is in sync.
      const others = createEtcdClient(parseEtcdSpec(`etcds://${otherClientURLs.map((u) => new URL(u).host).join(',')}`), tls);
      try {
        const end = Date.now() + 120_000;
        for (;;) {
          try {
            await others.cluster.memberPromote({ ID: learnerID }, deadline());
            break;
          } catch (e) {
            if (Date.now() > end) throw new Error(`etcd did not promote member ${id.name}: ${(e as Error).message}`);
            await new Promise((r) => setTimeout(r, 500));
          }
        }
      } finally {
        others.close();
      }
      log.info(`etcd member ${id.name} promoted to a voting member`);
    }
    await member.waitHealthy(60_000);
  } catch (e) {
    client.close();
    await member.stop();
    throw e;
  }
  const caPem = pki.ca.cert;
  const serverToken = ensureServerToken(o.dataDir, caPem);
  const serverCredential = parseServerToken(serverToken)?.credential ?? '';

  const addServer = async (body: unknown): Promise<ServerJoinAnswer> => {
    const b = body as { name?: unknown; peerURL?: unknown; clientURL?: unknown };
    if (typeof b.name !== 'string' || !/^[a-z0-9][a-z0-9.-]{0,62}$/.test(b.name)) throw badRequest('name must be a member name (lower case letters, digits, "-" and ".")');
    for (const u of [b.peerURL, b.clientURL]) {
      if (typeof u !== 'string' || !/^https:\/\/[^/]+:\d+$/.test(u)) throw badRequest('peerURL and clientURL must be https://HOST:PORT');
    }
    const { members } = await client.cluster.memberList({}, deadline());
    if (members.some((m) => m.name === b.name || m.peerURLs.includes(b.peerURL as string))) {
      throw conflictStatus({ group: '', resource: 'etcdmembers' }, b.name, 'a member with this name or peer URL exists; remove it first (k8ts etcd-member remove NAME)');
    }
    const added = await client.cluster.memberAdd({ peerURLs: [b.peerURL as string], isLearner: true }, deadline());
    const all = added.members.map((m) => `${m.name || (m.ID === added.member.ID ? (b.name as string) : m.ID)}=${m.peerURLs[0]}`);
    log.info(`server member ${b.name as string} (${b.peerURL as string}) added to etcd as a learner`);
    const tlsFiles: Record<string, string> = {};
    for (const name of SHARED_TLS_FILES) tlsFiles[name] = readFileSync(join(o.dataDir, 'tls', name), 'utf8');
    const nodeTokenPath = join(o.dataDir, 'node-token');
    return {
      initialCluster: all.join(','),
      memberID: added.member.ID,
      clientURLs: added.members.flatMap((m) => m.clientURLs).concat(id.clientURL).filter((u, i, a) => a.indexOf(u) === i),
      tls: tlsFiles,
      ...(existsSync(nodeTokenPath) ? { nodeToken: readFileSync(nodeTokenPath, 'utf8').trim() } : {}),
      serverToken,
    };
  };

  const removeMember = async (name: string): Promise<void> => {
    const { members } = await client.cluster.memberList({}, deadline());
    const m = members.find((x) => x.name === name);
    if (!m) throw new Error(`no etcd member named ${name}`);
    await client.cluster.memberRemove({ ID: m.ID }, deadline());
  };

  return {
    member,
    identity: id,
    datastore: `etcds://127.0.0.1:${localPort}`,
    tls,
    serverCredential,
    addServer,
    removeMember,
    stop: async () => {
      client.close();
      await member.stop();
    },
  };
}
