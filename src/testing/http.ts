// GET over plain HTTP for tests (loopback, or a pod IP in a namespace the test made): the body,
// whatever the status; rejects on a connection error or after timeoutMs.
import { request } from 'node:http';

export function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
