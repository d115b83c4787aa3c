// String formats a CRD schema may name, checked as kube-openapi's strfmt registry checks them.
// A format outside this list is not validated (upstream warns about it when the CRD is written:
// see unrecognizedFormat). Numeric formats (int32, int64, float, double) constrain nothing
// beyond the type, as upstream.

import { isValidIPv4Address, isValidIPv6Address } from '../validation/index.js';

const uuidRe = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const uuidVRe = (v: string): RegExp => new RegExp(`^[0-9a-f]{8}-?[0-9a-f]{4}-?${v}[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$`, 'i');
const uuid3Re = uuidVRe('3');
const uuid4Re = uuidVRe('4');
const uuid5Re = uuidVRe('5');
// RFC 1123 host names, labels up to 63, total up to 255 (strfmt's hostname).
const hostnameRe = /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;
const emailRe = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/;
const macRe = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$|^([0-9a-fA-F]{2}[:-]){7}[0-9a-fA-F]{2}$|^([0-9a-fA-F]{4}\.){2}[0-9a-fA-F]{4}$/;
const hexColorRe = /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const rgbColorRe = /^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$/;
const ssnRe = /^\d{3}[- ]?\d{2}[- ]?\d{4}$/;
const bsonRe = /^[0-9a-fA-F]{24}$/;
const base64Re = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const dateRe = /^(\d{4})-(\d{2})-(\d{2})$/;
const dateTimeRe = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/;
// strfmt's duration: Go durations and "<n> <unit>" with long unit names.
const goDurationRe = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^0$/;
const longDurationRe = /^[-+]?\d+\s*(ns|us|µs|ms|s|m|h|d|w|nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?|sec|secs|min|mins|hr|hrs)$/i;

function validDate(y: string, m: string, d: string): boolean {
  const yy = Number(y); const mm = Number(m); const dd = Number(d);
  if (mm < 1 || mm > 12 || dd < 1) return false;
  const days = [31, (yy % 4 === 0 && yy % 100 !== 0) || yy % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return dd <= days[mm - 1];
}

function isDateTime(s: string): boolean {
  const m = dateTimeRe.exec(s);
  if (!m || !validDate(m[1], m[2], m[3])) return false;
  return Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 61;
}

function isCidr(s: string): boolean {
  const i = s.lastIndexOf('/');
  if (i < 0) return false;
  const ip = s.slice(0, i); const bits = s.slice(i + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  const n = Number(bits);
  if (isValidIPv4Address(ip)) return n <= 32;
  return isValidIPv6Address(ip) && n <= 128;
}

function isUri(s: string): boolean {
  try { new URL(s); return true; } catch { return false; }
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return sum % 10 === 0;
}

function isISBN10(s: string): boolean {
  const c = s.replace(/[- ]/g, '');
  if (!/^\d{9}[\dX]$/.test(c)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += (c[i] === 'X' ? 10 : Number(c[i])) * (10 - i);
  return sum % 11 === 0;
}

function isISBN13(s: string): boolean {
  const c = s.replace(/[- ]/g, '');
  if (!/^\d{13}$/.test(c)) return false;
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(c[i]) * (i % 2 === 0 ? 1 : 3);
  return sum % 10 === 0;
}

const checks: Record<string, (s: string) => boolean> = {
  bsonobjectid: (s) => bsonRe.test(s),
  uri: isUri,
  email: (s) => emailRe.test(s),
  hostname: (s) => s.length <= 255 && hostnameRe.test(s),
  ipv4: isValidIPv4Address,
  ipv6: isValidIPv6Address,
  cidr: isCidr,
  mac: (s) => macRe.test(s),
  uuid: (s) => uuidRe.test(s),
  uuid3: (s) => uuid3Re.test(s),
  uuid4: (s) => uuid4Re.test(s),
  uuid5: (s) => uuid5Re.test(s),
  isbn: (s) => isISBN10(s) || isISBN13(s),
  isbn10: isISBN10,
  isbn13: isISBN13,
  creditcard: (s) => { const c = s.replace(/[- ]/g, ''); return /^\d{12,19}$/.test(c) && luhn(c); },
  ssn: (s) => ssnRe.test(s),
  hexcolor: (s) => hexColorRe.test(s),
  rgbcolor: (s) => rgbColorRe.test(s),
  byte: (s) => base64Re.test(s),
  password: () => true,
  date: (s) => { const m = dateRe.exec(s); return m !== null && validDate(m[1], m[2], m[3]); },
  duration: (s) => goDurationRe.test(s) || longDurationRe.test(s),
  datetime: isDateTime,
  'date-time': isDateTime,
};

const numericFormats = new Set(['int32', 'int64', 'float', 'double']);

/** False when `format` is a known string format that `s` does not satisfy. */
export function matchesFormat(format: string, s: string): boolean {
  const check = checks[format];
  return check ? check(s) : true;
}

/** True for a format upstream knows (string formats and the numeric ones); others earn a warning. */
export function isKnownFormat(format: string): boolean {
  return format === '' || format in checks || numericFormats.has(format);
}

/** Upstream's warning text for a format it does not recognise. */
export function unrecognizedFormat(format: string): string {
  return `unrecognized format "${format}"`;
}
