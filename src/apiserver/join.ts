// Node join (k3s's supervisor endpoints, reduced to three): agents fetch the cluster CA from
// GET /cacerts, check it against the hash in their join token, then POST /k8ts/v1/join with
// the token's credential. The answer carries the node's own credentials — a short-lived client
// certificate for system:node:<name> (group system:nodes) and a serving certificate for its
// kubelet that names only the node — plus the cluster's network settings, so an agent needs
// nothing but URL and token. POST /k8ts/v1/renew trades a node's still-valid client
// certificate for a fresh one (upstream's kubelet client-certificate rotation, without CSRs).
//
// A join is refused (with a plain message) when the token is unknown or expired, when the node
// name or address is one of the API server's (its serving certificate's names, the
// `kubernetes` Service's names and IP) or lies in the Service network, or when another node
// already holds the name (a node proves it is the same one with the password it sent on its
// first join, kept hashed in kube-system/<name>.node-password.k8ts, as k3s does) or the address.
import { createHash, timingSafeEqual, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writePrivateFile } from '../util/secure-fs.js';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, forbidden, isStatusError, methodNotAllowed, StatusError, unauthorized } from '../api/status.js';
import { isDNS1123Subdomain } from '../api/validation/index.js';
import { CACERTS_PATH, JOIN_PATH, RENEW_PATH, SERVER_CACERTS_PATH, SERVER_JOIN_PATH, bootstrapTokenProblem, bootstrapTokenSecretName, credentialMatches, decodeSecretData, newJoinToken, parseBootstrapToken, parseJoinToken, BOOTSTRAP_TOKEN_NAMESPACE, type JoinResponse } from '../pki/index.js';
import type { Endpoints, Node, Secret } from '../api/types/index.js';
import { serversFromEndpoints } from '../client/rest-client.js';
import type { ApiServerCore } from './core.js';
import { systemContext } from './context.js';
import { cidrRange } from './registry/allocator.js';
import { ipv4ToInt } from '../util/net.js';

export type { JoinResponse };
import { signLeaf, type ClusterPki } from '../pki/index.js';
import { readBody, writeJson, writeStatus } from './http-util.js';
import { logger } from '../util/log.js';

const log = logger('apiserver/join');

export { JOIN_PATH, RENEW_PATH, CACERTS_PATH };
/** How long a node's client certificate lasts (upstream signs a year; rotation makes days enough). */
export const NODE_CLIENT_CERT_TTL_MS = 7 * 86_400_000;
/** Kubelet serving certificates live as long as upstream's default signing duration. */
export const KUBELET_SERVING_CERT_TTL_MS = 365 * 86_400_000;
const NODE_PASSWORD_SUFFIX = '.node-password.k8ts';

export interface JoinOptions {
  pki: ClusterPki;
  /** The full token (`K10…::node:…`), see ensureJoinToken. */
  token: string;
  clusterCIDR: string;
  serviceCIDR: string;
  clusterDNS: string;
  /** The API server's storage: bootstrap tokens, node passwords, Nodes. */
  core: ApiServerCore;
  /** The API server's own names and addresses (its serving certificate's): no node may take them. */
  reserved: { dnsNames: string[]; ips: string[] };
  clusterDomain?: string;
  /** The server's own node: agents may not take its name, even before it has registered. */
  serverNodeName?: string;
  /** Lifetime of node client certificates (default NODE_CLIENT_CERT_TTL_MS). */
  clientCertTtlMs?: number;
}

/** Reads `<dataDir>/node-token`, creating it on first start (mode 0600). */
export function ensureJoinToken(dataDir: string, caPem: string): string {
  const path = join(dataDir, 'node-token');
  if (existsSync(path)) {
    const t = readFileSync(path, 'utf8').trim();
    if (parseJoinToken(t)) return t;
  }
  const t = newJoinToken(caPem);
  writePrivateFile(path, t + '\n');
  return t;
}

const inCidr = (ip: string, cidr: string): boolean => {
  const r = cidrRange('check', cidr);
  const n = ipv4ToInt(ip);
  return !Number.isNaN(n) && n >= r.base && n < r.base + 2 ** (32 - r.prefix);
};

/**
 * Why a node may not have this name or address because the API server (or the Service
 * network) has it; undefined when it may. Pure.
 */
export function reservedIdentityProblem(nodeName: string, nodeIP: string, o: { reserved: { dnsNames: string[]; ips: string[] }; serviceCIDR: string; clusterDomain: string }): string | undefined {
  const name = nodeName.toLowerCase();
  const names = new Set(['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${o.clusterDomain}`, ...o.reserved.dnsNames.map((d) => d.toLowerCase())]);
  if (names.has(name) || o.reserved.ips.includes(name)) return `node name "${nodeName}" is one of the API server's names; pick another --node-name`;
  if (name.endsWith('.svc') || name.endsWith(`.svc.${o.clusterDomain}`)) return `node name "${nodeName}" is a cluster Service name; pick another --node-name`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name) && inCidr(name, o.serviceCIDR)) return `node name "${nodeName}" is an address in the Service network ${o.serviceCIDR}; pick another --node-name`;
  if (o.reserved.ips.includes(nodeIP) || nodeIP.startsWith('127.')) return `node address ${nodeIP} is one of the API server's addresses; pick another --node-ip`;
  if (inCidr(nodeIP, o.serviceCIDR)) return `node address ${nodeIP} is in the Service network ${o.serviceCIDR}; pick another --node-ip`;
  return undefined;
}

const notAfter = (pem: string): string => new Date(new X509Certificate(pem).validTo).toISOString();
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Returns a request handler that answers the join paths and declines (false) everything else. */
export function createJoinHandler(o: JoinOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const expected = parseJoinToken(o.token)!.credential;
  const clusterDomain = o.clusterDomain ?? 'cluster.local';
  const clientTtl = o.clientCertTtlMs ?? NODE_CLIENT_CERT_TTL_MS;
  const secrets = () => o.core.store('', 'secrets');

  /** Accepts the server's node-token or an unexpired bootstrap token; throws 401 otherwise. */
  const checkToken = (presented: string | undefined): void => {
    const boot = presented ? parseBootstrapToken(presented) : undefined;
    if (boot) {
      const s = secrets().tryGet(BOOTSTRAP_TOKEN_NAMESPACE, bootstrapTokenSecretName(boot.id))?.obj as Readonly<Secret> | undefined;
      const problem = s ? bootstrapTokenProblem(boot, s.type, decodeSecretData(s.data), new Date()) : 'unknown token';
      if (problem) {
        log.info(`join refused: ${problem}`);
        throw unauthorized(problem === 'unknown token' ? 'the join token is not known to this server' : `the join token is no longer valid: ${problem}`);
      }
      return;
    }
    if (!credentialMatches(presented, expected)) throw unauthorized();
  };

  /** Refuses a name or address another node holds; records the password of a new node. */
  const claimIdentity = async (nodeName: string, nodeIP: string, password: string): Promise<void> => {
    const pwName = `${nodeName}${NODE_PASSWORD_SUFFIX}`;
    const pw = secrets().tryGet('kube-system', pwName)?.obj as Readonly<Secret> | undefined;
    const node = o.core.store('', 'nodes').tryGet(undefined, nodeName)?.obj;
    if (pw) {
      const want = Buffer.from(decodeSecretData(pw.data).hash ?? '');
      const got = Buffer.from(sha256(password));
      if (want.length !== got.length || !timingSafeEqual(want, got)) throw forbidden(`node name "${nodeName}" is taken by another node; pick another --node-name (or delete the Node and the Secret kube-system/${pwName})`);
    } else if (node) {
      throw forbidden(`node name "${nodeName}" is taken by an existing node; pick another --node-name`);
    }
    for (const c of o.core.store('', 'nodes').list({}).items) {
      const other = c.obj as Readonly<Node>;
      if (other.metadata.name === nodeName) continue;
      if ((other.status?.addresses ?? []).some((a) => a.type === 'InternalIP' && a.address === nodeIP))
        throw forbidden(`node address ${nodeIP} is used by node "${other.metadata.name ?? ''}"; pick another --node-ip`);
    }
    if (!pw) {
      await secrets().create(
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: pwName, namespace: 'kube-system', labels: { 'k8ts.io/node': nodeName } }, type: 'k8ts.io/node-password', data: { hash: b64(sha256(password)) } },
        systemContext(),
      );
    }
  };

  const signClient = (nodeName: string) => signLeaf(o.pki.ca, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], client: true, validityMs: clientTtl });

  const join = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const auth = req.headers.authorization;
    const presented = auth && /^bearer /i.test(auth) ? auth.slice(7).trim() : undefined;
    checkToken(presented);
    let body: { nodeName?: unknown; nodeIP?: unknown; nodePassword?: unknown };
    try {
      body = JSON.parse((await readBody(req, 64 * 1024)).toString('utf8')) as typeof body;
    } catch (e) {
      if (e instanceof StatusError) throw e;
      throw badRequest('join request body must be JSON: {"nodeName": "...", "nodeIP": "...", "nodePassword": "..."}');
    }
    const { nodeName, nodeIP, nodePassword } = body;
    if (typeof nodeName !== 'string' || isDNS1123Subdomain(nodeName).length > 0) throw badRequest(`nodeName ${JSON.stringify(nodeName)} is not a valid node name (lower case letters, digits, '-' and '.')`);
    if (typeof nodeIP !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}$/.test(nodeIP)) throw badRequest(`nodeIP ${JSON.stringify(nodeIP)} is not an IPv4 address`);
    if (typeof nodePassword !== 'string' || nodePassword.length < 16) throw badRequest('nodePassword must be a string of at least 16 characters (the agent keeps it in its data dir)');
    if (nodeName === o.serverNodeName) throw forbidden(`node name "${nodeName}" is the server's own node; pick another --node-name`);
    const reserved = reservedIdentityProblem(nodeName, nodeIP, { reserved: o.reserved, serviceCIDR: o.serviceCIDR, clusterDomain });
    if (reserved) throw forbidden(reserved);
    await claimIdentity(nodeName, nodeIP, nodePassword);
    const [client, serving] = await Promise.all([
      signClient(nodeName),
      // Only the node's own name and address: never a name clients use for the API server.
      signLeaf(o.pki.kubeletCa, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], dnsNames: [nodeName], ips: [nodeIP], server: true, validityMs: KUBELET_SERVING_CERT_TTL_MS }),
    ]);
    log.info(`node ${nodeName} (${nodeIP}) joined`);
    const answer: JoinResponse = {
      caCert: o.pki.ca.cert,
      clientCert: client.cert,
      clientKey: client.key,
      clientCertNotAfter: notAfter(client.cert),
      servingCert: serving.cert,
      servingKey: serving.key,
      clusterCIDR: o.clusterCIDR,
      serviceCIDR: o.serviceCIDR,
      clusterDNS: o.clusterDNS,
      servers: serversFromEndpoints((o.core.store('', 'endpoints').tryGet('default', 'kubernetes')?.obj as Readonly<Endpoints> | undefined) ?? {}),
    };
    writeJson(res, 200, answer);
  };

  /** A node's valid client certificate (verified by TLS against the CA) buys a fresh one for the same node. */
  const renew = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const sock = req.socket as TLSSocket;
    const peer = sock.authorized && typeof sock.getPeerCertificate === 'function' ? sock.getPeerCertificate() : undefined;
    const cn = peer?.subject?.CN;
    const org = peer?.subject?.O;
    const orgs = org === undefined ? [] : Array.isArray(org) ? org : [org];
    const name = typeof cn === 'string' && cn.startsWith('system:node:') ? cn.slice('system:node:'.length) : undefined;
    if (!name || !orgs.includes('system:nodes')) throw unauthorized('renewing needs the node\'s current client certificate');
    const client = await signClient(name);
    writeJson(res, 200, { clientCert: client.cert, clientKey: client.key, clientCertNotAfter: notAfter(client.cert) });
  };

  const serve = (fn: (req: IncomingMessage, res: ServerResponse) => Promise<void>, path: string, req: IncomingMessage, res: ServerResponse): void => {
    fn(req, res).catch((e: unknown) => {
      if (!isStatusError(e)) log.error(`${req.method} ${path}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (!res.headersSent) writeStatus(res, e);
      else res.end();
    });
  };

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === CACERTS_PATH && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(o.pki.ca.cert);
      return true;
    }
    if (path !== JOIN_PATH && path !== RENEW_PATH) return false;
    if (req.method !== 'POST') {
      writeStatus(res, methodNotAllowed(`${path} takes POST`));
      return true;
    }
    serve(path === JOIN_PATH ? join : renew, path, req, res);
    return true;
  };
}

// ---- Server join (issue 16: a second server joins the embedded etcd) ----
//
// GET /k8ts/v1/etcd/cacerts answers the cluster CA (the joining server pins it by the hash in
// its token before sending the secret). POST /k8ts/v1/etcd/join, with the server token's
// credential (`server:<secret>`, never the agents' node token: the answer carries the CA keys),
// hands the body to `join` (src/etcd adds the etcd member) and answers what it returns.

export { SERVER_JOIN_PATH, SERVER_CACERTS_PATH };

export interface ServerJoinOptions {
  caPem: string;
  /** The credential joining servers present as bearer token (`server:<secret>`). */
  credential: string;
  /** Adds the new server (its etcd member); the answer is sent as JSON. Throw a StatusError to refuse. */
  join(body: unknown): Promise<unknown>;
}

export function createServerJoinHandler(o: ServerJoinOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const auth = req.headers.authorization;
    const presented = auth && /^bearer /i.test(auth) ? auth.slice(7).trim() : undefined;
    if (!credentialMatches(presented, o.credential)) throw unauthorized('the server token is not this cluster\'s (see <data-dir>/server-token on a server)');
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, 64 * 1024)).toString('utf8'));
    } catch (e) {
      if (e instanceof StatusError) throw e;
      throw badRequest('server join request body must be JSON');
    }
    writeJson(res, 200, await o.join(body));
  };
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === SERVER_CACERTS_PATH && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(o.caPem);
      return true;
    }
    if (path !== SERVER_JOIN_PATH) return false;
    if (req.method !== 'POST') {
      writeStatus(res, methodNotAllowed(`${path} takes POST`));
      return true;
    }
    handle(req, res).catch((e: unknown) => {
      if (!isStatusError(e)) log.error(`POST ${path}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (!res.headersSent) writeStatus(res, e);
      else res.end();
    });
    return true;
  };
}
