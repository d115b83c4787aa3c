// Node join (k3s's supervisor endpoints, reduced to two): agents fetch the cluster CA from
// GET /cacerts, check it against the hash in their join token, then POST /k8ts/v1/join with
// the token's credential. The answer carries the node's own credentials — a client
// certificate for system:node:<name> (group system:nodes) and a serving certificate for its
// kubelet — plus the cluster's network settings, so an agent needs nothing but URL and token.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, isStatusError, methodNotAllowed, StatusError, unauthorized } from '../api/status.js';
import { isDNS1123Subdomain } from '../api/validation/index.js';
import { credentialMatches, newJoinToken, parseJoinToken, type JoinResponse } from '../pki/index.js';

export type { JoinResponse };
import { signLeaf, type ClusterPki } from '../pki/index.js';
import { readBody, writeJson, writeStatus } from './http-util.js';
import { logger } from '../util/log.js';

const log = logger('apiserver/join');

export const JOIN_PATH = '/k8ts/v1/join';
export const CACERTS_PATH = '/cacerts';

export interface JoinOptions {
  pki: ClusterPki;
  /** The full token (`K10…::node:…`), see ensureJoinToken. */
  token: string;
  clusterCIDR: string;
  serviceCIDR: string;
  clusterDNS: string;
}

/** Reads `<dataDir>/node-token`, creating it on first start (mode 0600). */
export function ensureJoinToken(dataDir: string, caPem: string): string {
  const path = join(dataDir, 'node-token');
  if (existsSync(path)) {
    const t = readFileSync(path, 'utf8').trim();
    if (parseJoinToken(t)) return t;
  }
  const t = newJoinToken(caPem);
  writeFileSync(path, t + '\n', { mode: 0o600 });
  return t;
}

/** Returns a request handler that answers the join paths and declines (false) everything else. */
export function createJoinHandler(o: JoinOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const expected = parseJoinToken(o.token)!.credential;
  const join = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const auth = req.headers.authorization;
    const presented = auth && /^bearer /i.test(auth) ? auth.slice(7).trim() : undefined;
    if (!credentialMatches(presented, expected)) throw unauthorized();
    let body: { nodeName?: unknown; nodeIP?: unknown };
    try {
      body = JSON.parse((await readBody(req, 64 * 1024)).toString('utf8')) as typeof body;
    } catch (e) {
      if (e instanceof StatusError) throw e;
      throw badRequest('join request body must be JSON: {"nodeName": "...", "nodeIP": "..."}');
    }
    const { nodeName, nodeIP } = body;
    if (typeof nodeName !== 'string' || isDNS1123Subdomain(nodeName).length > 0) throw badRequest(`nodeName ${JSON.stringify(nodeName)} is not a valid node name (lower case letters, digits, '-' and '.')`);
    if (typeof nodeIP !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}$/.test(nodeIP)) throw badRequest(`nodeIP ${JSON.stringify(nodeIP)} is not an IPv4 address`);
    const [client, serving] = await Promise.all([
      signLeaf(o.pki.ca, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], client: true }),
      signLeaf(o.pki.ca, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], dnsNames: [nodeName, 'localhost'], ips: [...new Set([nodeIP, '127.0.0.1'])], server: true }),
    ]);
    const answer: JoinResponse = {
      caCert: o.pki.ca.cert,
      clientCert: client.cert,
      clientKey: client.key,
      servingCert: serving.cert,
      servingKey: serving.key,
      clusterCIDR: o.clusterCIDR,
      serviceCIDR: o.serviceCIDR,
      clusterDNS: o.clusterDNS,
    };
    writeJson(res, 200, answer);
  };
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === CACERTS_PATH && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(o.pki.ca.cert);
      return true;
    }
    if (path !== JOIN_PATH) return false;
    if (req.method !== 'POST') {
      writeStatus(res, methodNotAllowed(`${JOIN_PATH} takes POST`));
      return true;
    }
    join(req, res).catch((e: unknown) => {
      if (!isStatusError(e)) log.error(`${req.method} ${JOIN_PATH}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (!res.headersSent) writeStatus(res, e);
      else res.end();
    });
    return true;
  };
}
