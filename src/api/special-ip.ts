// Addresses that name the node itself or its link: unspecified, loopback, link-local and
// link-local multicast, classified as Go's net.IP does (IsUnspecified, IsLoopback,
// IsLinkLocalUnicast, IsLinkLocalMulticast). API validation refuses them as endpoint
// addresses (upstream's ValidateEndpointIP); the service proxy and the Ingress proxy never
// forward to them either (defence in depth for objects stored before the rule existed).
// Pure: no node: imports, so src/api/validation can use it.

function v4Bytes(v: string): number[] | undefined {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(v)) return undefined;
  const b = v.split('.').map(Number);
  return b.every((x) => x <= 255) ? b : undefined;
}

/** The 16 bytes of an IPv6 address (IPv4-suffixed forms included; a %zone is ignored), or undefined. */
function v6Bytes(v: string): number[] | undefined {
  let s = v.replace(/%.*$/, '');
  if (!s.includes(':')) return undefined;
  const tail: number[] = [];
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (m) {
    const b = v4Bytes(m[2]);
    if (!b) return undefined;
    tail.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
    s = m[1].endsWith('::') ? m[1] : m[1].slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (p: string): string[] => (p === '' ? [] : p.split(':'));
  const hi = groups(halves[0]);
  const lo = halves.length === 2 ? groups(halves[1]) : [];
  if (![...hi, ...lo].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const fill = 8 - tail.length - hi.length - lo.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const all = [...hi.map((g) => parseInt(g, 16)), ...new Array<number>(fill).fill(0), ...lo.map((g) => parseInt(g, 16)), ...tail];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/**
 * Upstream's messages for why an endpoint address may not be used; [] for a usable (or
 * unparsable) address. IPv4-mapped IPv6 addresses count as their IPv4 address.
 */
export function specialIPMessages(ip: string): string[] {
  let b = v4Bytes(ip);
  if (!b) {
    const v6 = v6Bytes(ip);
    if (!v6) return [];
    const mapped = v6.slice(0, 10).every((x) => x === 0) && v6[10] === 0xff && v6[11] === 0xff;
    b = mapped ? v6.slice(12) : v6;
  }
  const msgs: string[] = [];
  if (b.length === 4) {
    if (b.every((x) => x === 0)) msgs.push(`may not be unspecified (${ip})`);
    if (b[0] === 127) msgs.push(LOOPBACK_MSG);
    if (b[0] === 169 && b[1] === 254) msgs.push(LINK_LOCAL_MSG);
    if (b[0] === 224 && b[1] === 0 && b[2] === 0) msgs.push(LINK_LOCAL_MULTICAST_MSG);
  } else {
    if (b.every((x) => x === 0)) msgs.push(`may not be unspecified (${ip})`);
    if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) msgs.push(LOOPBACK_MSG);
    if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) msgs.push(LINK_LOCAL_MSG);
    if (b[0] === 0xff && (b[1] & 0x0f) === 0x02) msgs.push(LINK_LOCAL_MULTICAST_MSG);
  }
  return msgs;
}
const LOOPBACK_MSG = 'may not be in the loopback range (127.0.0.0/8, ::1/128)';
const LINK_LOCAL_MSG = 'may not be in the link-local range (169.254.0.0/16, fe80::/10)';
const LINK_LOCAL_MULTICAST_MSG = 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)';

/** True for an address specialIPMessages objects to. */
export function isSpecialIP(ip: string): boolean {
  return specialIPMessages(ip).length > 0;
}
