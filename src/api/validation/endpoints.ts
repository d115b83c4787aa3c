// Endpoints (core/v1) and the address rule it shares with EndpointSlice: an endpoint address
// must be a real, routable peer, never the node itself or its link (upstream's
// ValidateEndpointIP). Without it a Service with no selector plus hand-written endpoints sends
// cluster traffic (Ingress, NodePort) to the node's 127.0.0.1 or a metadata service.

import { fieldErr } from '../status.js';
import type { Errs, Obj } from './errors.js';
import { arr, eachObj, enumOf, pushMsgs, str } from './errors.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidIPAddress, isValidPortNum, PORT_RANGE_MSG } from './names.js';
import { specialIPMessages } from '../special-ip.js';

/** Options the API server sets per request. */
export interface ValidateOptions {
  /**
   * The API server's own writes (its `kubernetes` Endpoints for the advertised address) may
   * name a loopback address: a single-host cluster advertises 127.0.0.1. Never set for clients.
   */
  allowSpecialEndpointIPs?: boolean;
}

/** Unspecified/loopback/link-local/link-local-multicast checks for one address. */
export function validateEndpointIP(errs: Errs, field: string, ip: string, opts?: ValidateOptions): void {
  if (opts?.allowSpecialEndpointIPs) return;
  for (const m of specialIPMessages(ip)) errs.push(fieldErr.invalid(field, ip, m));
}

export function validateEndpoints(o: Obj, errs: Errs, opts?: ValidateOptions): void {
  eachObj(o.subsets, (ss, i) => {
    const p = `subsets[${i}]`;
    const ready = arr(ss.addresses);
    const notReady = arr(ss.notReadyAddresses);
    if (ready.length === 0 && notReady.length === 0) errs.push(fieldErr.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    eachObj(ss.addresses, (a, j) => validateEndpointAddress(a, `${p}.addresses[${j}]`, errs, opts));
    eachObj(ss.notReadyAddresses, (a, j) => validateEndpointAddress(a, `${p}.notReadyAddresses[${j}]`, errs, opts));
    const ports = arr(ss.ports);
    eachObj(ss.ports, (port, j) => {
      const pp = `${p}.ports[${j}]`;
      const name = str(port.name);
      if (ports.length > 1 && !name) errs.push(fieldErr.required(`${pp}.name`));
      else if (name) pushMsgs(errs, `${pp}.name`, name, isDNS1123Label(name));
      if (!isValidPortNum(port.port)) errs.push(fieldErr.invalid(`${pp}.port`, port.port, PORT_RANGE_MSG));
      enumOf(errs, port.protocol, `${pp}.protocol`, ['SCTP', 'TCP', 'UDP'], true);
    });
  });
}

function validateEndpointAddress(a: Obj, p: string, errs: Errs, opts?: ValidateOptions): void {
  const ip = typeof a.ip === 'string' ? a.ip : '';
  if (!isValidIPAddress(ip)) {
    errs.push(fieldErr.invalid(`${p}.ip`, a.ip ?? '', 'must be a valid IP address'));
  } else {
    validateEndpointIP(errs, `${p}.ip`, ip, opts);
  }
  if (str(a.hostname)) pushMsgs(errs, `${p}.hostname`, a.hostname, isDNS1123Label(str(a.hostname)));
  if (str(a.nodeName)) pushMsgs(errs, `${p}.nodeName`, a.nodeName, isDNS1123Subdomain(str(a.nodeName)));
}
