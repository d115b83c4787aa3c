// The protobuf form of /openapi/v2 (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`):
// the Swagger 2.0 document (openapi-v2.ts) encoded as gnostic's `openapi.v2.Document`
// message, which client-go's discovery OpenAPISchema() asks for (kubectl explain
// --output plaintext-openapiv2, older kubectl validation, tools built on client-go).
//
// Only the parts of the schema our document uses are encoded (field numbers from gnostic's
// OpenAPIv2.proto); vendor extensions (`x-...`) are `NamedAny` whose `Any.yaml` holds the
// value as JSON text, which is valid YAML and is how readers decode them.
type Json = unknown;
type Obj = { [k: string]: Json };

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Appends protobuf fields to a list of chunks; messages are built bottom-up. */
class Writer {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  private varint(n: number): void {
    const out: number[] = [];
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    out.push(n);
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  string(field: number, s: unknown): this {
    if (typeof s === 'string' && s !== '') this.bytes(field, Buffer.from(s, 'utf8'));
    return this;
  }

  strings(field: number, v: unknown): this {
    const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
    for (const s of list) if (typeof s === 'string') this.bytes(field, Buffer.from(s, 'utf8'));
    return this;
  }

  bool(field: number, b: unknown): this {
    if (b === true) {
      this.tag(field, 0);
      this.varint(1);
    }
    return this;
  }

  oneofBool(field: number, b: boolean): this {
    this.tag(field, 0);
    this.varint(b ? 1 : 0);
    return this;
  }

  double(field: number, n: unknown): this {
    if (typeof n === 'number') {
      this.tag(field, 1);
      const b = Buffer.alloc(8);
      b.writeDoubleLE(n);
      this.push(b);
    }
    return this;
  }

  int64(field: number, n: unknown): this {
    if (typeof n === 'number' && n > 0) {
      this.tag(field, 0);
      this.varint(n);
    }
    return this;
  }

  message(field: number, w: Writer | undefined): this {
    if (w) this.bytes(field, w.finish());
    return this;
  }

  finish(): Uint8Array {
    return Buffer.concat(this.chunks, this.size);
  }
}

/** openapi.v2.Any{yaml}: the value as JSON text. */
function any(v: Json): Writer {
  return new Writer().string(2, JSON.stringify(v));
}

/** Every `x-...` key of o as NamedAny entries in `field`. */
function extensions(w: Writer, field: number, o: Obj): void {
  for (const [k, v] of Object.entries(o)) if (k.startsWith('x-')) w.message(field, new Writer().string(1, k).message(2, any(v)));
}

function schema(s: Obj): Writer {
  const w = new Writer()
    .string(1, s.$ref)
    .string(2, s.format)
    .string(3, s.title)
    .string(4, s.description);
  if (s.default !== undefined) w.message(5, any(s.default));
  w.double(6, s.multipleOf).double(7, s.maximum).bool(8, s.exclusiveMaximum).double(9, s.minimum).bool(10, s.exclusiveMinimum);
  w.int64(11, s.maxLength).int64(12, s.minLength).string(13, s.pattern).int64(14, s.maxItems).int64(15, s.minItems).bool(16, s.uniqueItems);
  w.int64(17, s.maxProperties).int64(18, s.minProperties).strings(19, s.required);
  if (Array.isArray(s.enum)) for (const e of s.enum) w.message(20, any(e));
  if (isObj(s.additionalProperties)) w.message(21, new Writer().message(1, schema(s.additionalProperties)));
  // A boolean in a oneof is present even when false.
  else if (typeof s.additionalProperties === 'boolean') w.message(21, new Writer().oneofBool(2, s.additionalProperties));
  if (s.type !== undefined) w.message(22, new Writer().strings(1, s.type));
  if (s.items !== undefined) {
    const items = new Writer();
    for (const i of Array.isArray(s.items) ? s.items : [s.items]) if (isObj(i)) items.message(1, schema(i));
    w.message(23, items);
  }
  if (Array.isArray(s.allOf)) for (const a of s.allOf) if (isObj(a)) w.message(24, schema(a));
  if (isObj(s.properties)) {
    const props = new Writer();
    for (const [name, p] of Object.entries(s.properties)) if (isObj(p)) props.message(1, new Writer().string(1, name).message(2, schema(p)));
    w.message(25, props);
  }
  w.bool(27, s.readOnly);
  extensions(w, 31, s);
  return w;
}

/** openapi.v2.ParametersItem for one parameter (body, query or path). */
function parameter(p: Obj): Writer {
  let param: Writer;
  if (p.in === 'body') {
    const body = new Writer().string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required);
    if (isObj(p.schema)) body.message(5, schema(p.schema));
    extensions(body, 6, p);
    param = new Writer().message(1, body);
  } else {
    // Query: {required 1, in 2, description 3, name 4, ..., type 6, format 7, uniqueItems 20};
    // path and header: the same head, then type 5, format 6, uniqueItems 19.
    const query = p.in === 'query';
    const sub = new Writer().bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name);
    if (query) sub.bool(5, p.allowEmptyValue).string(6, p.type).string(7, p.format).bool(20, p.uniqueItems);
    else sub.string(5, p.type).string(6, p.format).bool(19, p.uniqueItems);
    extensions(sub, query ? 23 : 22, p);
    const field = query ? 3 : p.in === 'path' ? 4 : p.in === 'header' ? 1 : 2;
    param = new Writer().message(2, new Writer().message(field, sub));
  }
  return new Writer().message(1, param);
}

function operation(op: Obj): Writer {
  const w = new Writer().strings(1, op.tags).string(2, op.summary).string(3, op.description).string(5, op.operationId).strings(6, op.produces).strings(7, op.consumes);
  if (Array.isArray(op.parameters)) for (const p of op.parameters) if (isObj(p)) w.message(8, parameter(p));
  if (isObj(op.responses)) {
    const rs = new Writer();
    for (const [code, r] of Object.entries(op.responses)) {
      if (!isObj(r)) continue;
      const resp = new Writer().string(1, r.description);
      if (isObj(r.schema)) resp.message(2, new Writer().message(1, schema(r.schema)));
      rs.message(1, new Writer().string(1, code).message(2, new Writer().message(1, resp)));
    }
    w.message(9, rs);
  }
  w.strings(10, op.schemes).bool(11, op.deprecated);
  extensions(w, 13, op);
  return w;
}

const PATH_METHODS: ReadonlyArray<[string, number]> = [['get', 2], ['put', 3], ['post', 4], ['delete', 5], ['options', 6], ['head', 7], ['patch', 8]];

function pathItem(item: Obj): Writer {
  const w = new Writer().string(1, item.$ref);
  for (const [m, f] of PATH_METHODS) if (isObj(item[m])) w.message(f, operation(item[m]));
  if (Array.isArray(item.parameters)) for (const p of item.parameters) if (isObj(p)) w.message(9, parameter(p));
  extensions(w, 10, item);
  return w;
}

/** Encodes a Swagger 2.0 document (as built by buildOpenApiV2Document) as openapi.v2.Document. */
export function encodeOpenApiV2Proto(doc: object): Uint8Array {
  const d = doc as Obj;
  const w = new Writer().string(1, d.swagger);
  if (isObj(d.info)) w.message(2, new Writer().string(1, d.info.title).string(2, d.info.version).string(3, d.info.description));
  w.string(3, d.host).string(4, d.basePath).strings(5, d.schemes).strings(6, d.consumes).strings(7, d.produces);
  if (isObj(d.paths)) {
    const paths = new Writer();
    for (const [p, item] of Object.entries(d.paths)) if (isObj(item)) paths.message(2, new Writer().string(1, p).message(2, pathItem(item)));
    w.message(8, paths);
  }
  if (isObj(d.definitions)) {
    const defs = new Writer();
    for (const [name, s] of Object.entries(d.definitions)) if (isObj(s)) defs.message(1, new Writer().string(1, name).message(2, schema(s)));
    w.message(9, defs);
  }
  if (Array.isArray(d.security)) {
    for (const req of d.security) {
      if (!isObj(req)) continue;
      const sr = new Writer();
      for (const [name, scopes] of Object.entries(req)) sr.message(1, new Writer().string(1, name).message(2, new Writer().strings(1, scopes)));
      w.message(12, sr);
    }
  }
  if (isObj(d.securityDefinitions)) {
    const sd = new Writer();
    for (const [name, def] of Object.entries(d.securityDefinitions)) {
      if (!isObj(def) || def.type !== 'apiKey') continue;
      const key = new Writer().string(1, def.type).string(2, def.name).string(3, def.in).string(4, def.description);
      sd.message(1, new Writer().string(1, name).message(2, new Writer().message(2, key)));
    }
    w.message(13, sd);
  }
  extensions(w, 16, d);
  return w.finish();
}
