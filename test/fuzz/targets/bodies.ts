// Request bodies as the API server decodes them: JSON, YAML and protobuf, then the schema
// walks every write runs (scalar types, unknown fields). Inputs are almost-valid objects of
// several kinds, serialized and then sometimes corrupted, and raw bytes. Oracle: a decoded
// object or a 4xx StatusError; nothing else may escape.
import fc from 'fast-check';
import { decodeObjectBody, decodeDeleteOptionsBody } from '../../../src/apiserver/negotiate.js';
import { findScalarTypeError, findUnknownFields } from '../../../src/apiserver/api-hooks.js';
import { encodeK8sProtobufObject } from '../../../src/api/schema/protobuf-encode.js';
import { decodeOrRefuse, type FuzzTarget } from '../target.js';
import { KINDS, FIELD_NAMES } from '../kinds.js';
import { almost, mutatedBytes, jsonValue, jsonText, yamlText, shallow } from '../arbitraries.js';

const CONTENT_TYPES = { json: 'application/json', yaml: 'application/yaml', protobuf: 'application/vnd.kubernetes.protobuf' } as const;
type Format = keyof typeof CONTENT_TYPES;

function serialize(obj: Record<string, unknown>, fmt: Format, fallback: Record<string, unknown>): Uint8Array | string {
  if (fmt === 'json') return jsonText(obj);
  if (fmt === 'yaml') return yamlText(obj);
  try {
    return encodeK8sProtobufObject(shallow(obj) as Record<string, unknown>) ?? encodeK8sProtobufObject(fallback)!;
  } catch {
    return encodeK8sProtobufObject(fallback)!;
  }
}

export const bodyInput = fc
  .record({ k: fc.nat({ max: KINDS.length - 1 }), fmt: fc.constantFrom<Format>('json', 'yaml', 'protobuf'), ct: fc.option(fc.constantFrom('application/json; charset=utf-8', 'text/yaml', 'application/x-yaml', '*/*', 'text/plain', ''), { freq: 8 }) })
  .chain(({ k, fmt, ct }) => {
    const kind = KINDS[k];
    const sample = kind.sample('fuzz');
    const body = fc.oneof(
      { weight: 4, arbitrary: almost(sample, FIELD_NAMES).map((o) => Buffer.from(serialize(o, fmt, sample))) },
      { weight: 3, arbitrary: mutatedBytes(almost(sample, FIELD_NAMES).map((o) => serialize(o, fmt, sample))) },
      { weight: 1, arbitrary: jsonValue.map((v) => Buffer.from(fmt === 'yaml' ? yamlText(v) : jsonText(v))) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(fmt === 'protobuf' ? Buffer.concat([Buffer.from('k8s\0'), b]) : b)) },
    );
    return fc.record({ kind: fc.constant(k), contentType: fc.constant(ct ?? CONTENT_TYPES[fmt]), body });
  });

export const bodiesTarget: FuzzTarget = {
  name: 'bodies',
  about: 'JSON/YAML/protobuf bodies through decodeObjectBody, DeleteOptions and the schema walks: an object or a 4xx Status',
  weight: 3,
  open: () => ({
    property: fc.property(bodyInput, ({ kind, contentType, body }) => {
      const k = KINDS[kind];
      const obj = decodeOrRefuse(() => decodeObjectBody(body, contentType));
      if (!(obj instanceof Error)) {
        findScalarTypeError(k.group, k.version, k.kind, obj);
        findUnknownFields(k.group, k.version, k.kind, obj);
      }
      decodeOrRefuse(() => decodeDeleteOptionsBody(body, contentType));
      return true;
    }),
  }),
};
