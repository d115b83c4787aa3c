// Name and string-format checks with upstream (apimachinery util/validation) messages.
// Each checker returns the list of problems (empty = valid); callers turn each message
// into a field error, as upstream does. Regexes are compiled once, at load.

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const CONFIG_KEY_FMT = '[-._a-zA-Z0-9]+';
const ENV_VAR_FMT = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const PERCENT_FMT = '[0-9]+%';

const dns1123LabelRe = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const dns1123SubdomainRe = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const dns1035LabelRe = new RegExp(`^${DNS1035_LABEL_FMT}$`);
const qualifiedNameRe = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const labelValueRe = new RegExp(`^${LABEL_VALUE_FMT}$`);
const configKeyRe = new RegExp(`^${CONFIG_KEY_FMT}$`);
const envVarRe = new RegExp(`^${ENV_VAR_FMT}$`);
const percentRe = new RegExp(`^${PERCENT_FMT}$`);
const wildcardDnsRe = new RegExp(`^\\*\\.${DNS1123_SUBDOMAIN_FMT}$`);
const portNameCharsRe = /^[-a-z0-9]+$/;
const portNameLetterRe = /[a-z]/;

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
export const LABEL_VALUE_MAX = 63;

/** Upstream's "(e.g. 'a',  or 'b', regex used for validation is '…')" suffix; note the double space. */
function regexError(msg: string, fmt: string, examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}'`).join(',  or ')}, regex used for validation is '${fmt}')`;
}

export const maxLenError = (n: number): string => `must be no more than ${n} characters`;

const DNS1123_LABEL_MSG = regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", DNS1123_LABEL_FMT, ['my-name', '123-abc']);
const DNS1123_SUBDOMAIN_MSG = regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", DNS1123_SUBDOMAIN_FMT, ['example.com']);
const DNS1035_LABEL_MSG = regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", DNS1035_LABEL_FMT, ['my-name', 'abc-123']);
const QUALIFIED_NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MSG = regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LABEL_VALUE_FMT, ['MyValue', 'my_value', '12345']);
const CONFIG_KEY_MSG = regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", CONFIG_KEY_FMT, ['key.name', 'KEY_NAME', 'key-name']);
const ENV_VAR_MSG = regexError("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit", ENV_VAR_FMT, ['my.env-name', 'MY_ENV.NAME', 'MyEnvName1']);
const PERCENT_MSG = regexError("a valid percent string must be a numeric string followed by an ending '%'", PERCENT_FMT, ['1%', '93%']);
const WILDCARD_MSG = regexError("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character", `\\*\\.${DNS1123_SUBDOMAIN_FMT}`, ['*.example.com']);

export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > DNS1123_LABEL_MAX) errs.push(maxLenError(DNS1123_LABEL_MAX));
  if (!dns1123LabelRe.test(v)) errs.push(DNS1123_LABEL_MSG);
  return errs;
}

export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > DNS1123_SUBDOMAIN_MAX) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX));
  if (!dns1123SubdomainRe.test(v)) errs.push(DNS1123_SUBDOMAIN_MSG);
  return errs;
}

export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > DNS1123_LABEL_MAX) errs.push(maxLenError(DNS1123_LABEL_MAX));
  if (!dns1035LabelRe.test(v)) errs.push(DNS1035_LABEL_MSG);
  return errs;
}

export function isWildcardDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > DNS1123_SUBDOMAIN_MAX) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX));
  if (!wildcardDnsRe.test(v)) errs.push(WILDCARD_MSG);
  return errs;
}

/** Label and annotation keys: `[prefix/]name`, prefix a DNS subdomain, name ≤ 63. */
export function isQualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [`a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, ['MyName', 'my.name', '123-abc'])} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!qualifiedNameRe.test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, ['MyName', 'my.name', '123-abc'])}`);
  return errs;
}

export function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > LABEL_VALUE_MAX) errs.push(maxLenError(LABEL_VALUE_MAX));
  if (!labelValueRe.test(v)) errs.push(LABEL_VALUE_MSG);
  return errs;
}

export function isConfigMapKey(v: string): string[] {
  const errs: string[] = [];
  if (v.length > DNS1123_SUBDOMAIN_MAX) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX));
  if (!configKeyRe.test(v)) errs.push(CONFIG_KEY_MSG);
  if (v === '.') errs.push("must not be '.'");
  else if (v === '..') errs.push("must not be '..'");
  else if (v.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

export function isEnvVarName(v: string): string[] {
  const errs: string[] = [];
  if (!envVarRe.test(v)) errs.push(ENV_VAR_MSG);
  if (v === '.') errs.push("must not be '.'");
  else if (v === '..') errs.push("must not be '..'");
  else if (v.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** Names used as URL path segments (RBAC objects). */
export function isValidPathSegmentName(v: string): string[] {
  if (v === '.' || v === '..') return [`may not be '${v}'`];
  const errs: string[] = [];
  if (v.includes('/')) errs.push("may not contain '/'");
  if (v.includes('%')) errs.push("may not contain '%'");
  return errs;
}

/** IANA service names as used for named ports. */
export function isValidPortName(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 15) errs.push(maxLenError(15));
  if (!portNameCharsRe.test(v)) errs.push('must contain only alphanumeric characters (a-z, 0-9), and hyphens (-)');
  if (!portNameLetterRe.test(v)) errs.push('must contain at least one letter (a-z)');
  if (v.includes('--')) errs.push('must not contain consecutive hyphens');
  if (v.startsWith('-') || v.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

export const PORT_RANGE_MSG = 'must be between 1 and 65535, inclusive';
export function isValidPortNum(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

export function isValidPercent(v: string): string[] {
  return percentRe.test(v) ? [] : [PERCENT_MSG];
}

// What the API accepts as an IP address (upstream validation IsValidIPv4Address /
// IsValidIPv6Address): dotted decimal without leading zeros, IPv6 without a zone. These are
// the API's rules and live here, apart from util/net.ts (which components use to read
// addresses at run time), because src/api takes no node: imports and because what the API
// accepts is upstream's decision, not node:net's (they agree today; ip-address.test.ts and
// util/net.test.ts pin the same cases).
const ipv4Re = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
export function isValidIPv4Address(v: string): boolean { return ipv4Re.test(v); }
export function isValidIPv6Address(v: string): boolean {
  if (!v.includes(':') || v.includes('%')) return false;
  try { return new URL(`http://[${v}]/`).hostname.length > 0; } catch { return false; }
}
export function isValidIPAddress(v: string): boolean { return isValidIPv4Address(v) || isValidIPv6Address(v); }

/** A name validator as used by ObjectMeta: `prefix` is true for generateName. */
export type NameValidator = (name: string, prefix: boolean) => string[];

/** generateName may end in '-': upstream masks a trailing dash before checking. */
function maskTrailingDash(name: string, prefix: boolean): string {
  return prefix && name.length > 1 && name.endsWith('-') ? `${name.slice(0, -1)}a` : name;
}

export const nameIsDNSSubdomain: NameValidator = (n, p) => isDNS1123Subdomain(maskTrailingDash(n, p));
export const nameIsDNSLabel: NameValidator = (n, p) => isDNS1123Label(maskTrailingDash(n, p));
export const nameIsDNS1035Label: NameValidator = (n, p) => isDNS1035Label(maskTrailingDash(n, p));
export const nameIsPathSegment: NameValidator = (n) => isValidPathSegmentName(n);

