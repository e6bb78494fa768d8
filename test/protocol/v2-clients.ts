// The requests real Open Inference Protocol clients send, built the way their source builds them, and
// their way of reading the answer:
// - tritonclient.http: InferInput.set_data_from_numpy (binary by default: numpy's tobytes, BYTES as
//   4-byte little-endian lengths before each element), InferRequestedOutput (binary_data true by
//   default), _get_inference_request (compact JSON: id, inputs, outputs, then parameters, where
//   "binary_data_output": true is set when no output is named; Inference-Header-Content-Length the
//   JSON's length; no Content-Type), InferResult (reads the header, then each output's
//   binary_data_size bytes in order).
// - kserve InferRequest.to_rest (orjson: id, model_name, inputs, outputs, parameters; an input's
//   parameters only when it has some) with InferenceRESTClient.infer's headers
//   (inference-header-content-length and content-type application/octet-stream when binary).
import type { Sent } from './transports.js';

export type Datatype =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

/** numpy's tobytes() of a flat array of this dtype (little-endian, as on every machine we run on). */
export function npBytes(datatype: Datatype, values: readonly (number | string | boolean)[]): Uint8Array {
  switch (datatype) {
    case 'BOOL':
      return Uint8Array.from(values, (v) => (v ? 1 : 0));
    case 'UINT8':
      return Uint8Array.from(values as number[]);
    case 'INT8':
      return new Uint8Array(Int8Array.from(values as number[]).buffer);
    case 'UINT16':
      return new Uint8Array(Uint16Array.from(values as number[]).buffer);
    case 'INT16':
      return new Uint8Array(Int16Array.from(values as number[]).buffer);
    case 'UINT32':
      return new Uint8Array(Uint32Array.from(values as number[]).buffer);
    case 'INT32':
      return new Uint8Array(Int32Array.from(values as number[]).buffer);
    case 'UINT64':
      return new Uint8Array(BigUint64Array.from(values as number[], (v) => BigInt(v)).buffer);
    case 'INT64':
      return new Uint8Array(BigInt64Array.from(values as number[], (v) => BigInt(v)).buffer);
    case 'FP32':
      return new Uint8Array(Float32Array.from(values as number[]).buffer);
    case 'FP64':
      return new Uint8Array(Float64Array.from(values as number[]).buffer);
    case 'BYTES': {
      // serialize_byte_tensor: struct.pack("<I", len(s)) + s for each element, in C order.
      const parts = values.map((v) => Buffer.from(String(v), 'utf8'));
      return Buffer.concat(parts.flatMap((p) => [u32(p.length), p]));
    }
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

export interface ClientInput {
  name: string;
  shape: number[];
  datatype: Datatype;
  /** Flat, row-major. */
  values: (number | string | boolean)[];
  /** set_data_from_numpy(..., binary_data=...): true by default in both clients. */
  binary?: boolean;
}

export interface ClientOutput {
  name: string;
  /** InferRequestedOutput(name, binary_data=...): true by default. */
  binary?: boolean;
}

function concat(json: string, raws: Uint8Array[]): Uint8Array {
  return Buffer.concat([Buffer.from(json, 'utf8'), ...raws]);
}

/** What tritonclient.http.InferenceServerClient.infer sends to POST v2/models/{model}/infer. */
export function tritonRequest(
  model: string,
  inputs: ClientInput[],
  options: { outputs?: ClientOutput[]; id?: string } = {},
): Sent {
  const request: Record<string, unknown> = {};
  const parameters: Record<string, unknown> = {};
  if (options.id) request.id = options.id;
  const raws: Uint8Array[] = [];
  request.inputs = inputs.map((input) => {
    const tensor: Record<string, unknown> = {
      name: input.name,
      shape: input.shape,
      datatype: input.datatype,
    };
    if (input.binary ?? true) {
      const raw = npBytes(input.datatype, input.values);
      raws.push(raw);
      tensor.parameters = { binary_data_size: raw.length };
    } else tensor.data = input.values;
    return tensor;
  });
  if (options.outputs && options.outputs.length > 0)
    request.outputs = options.outputs.map((o) => ({
      name: o.name,
      parameters: { binary_data: o.binary ?? true },
    }));
  else parameters.binary_data_output = true;
  if (Object.keys(parameters).length > 0) request.parameters = parameters;
  const json = JSON.stringify(request);
  const path = `/v2/models/${encodeURIComponent(model)}/infer`;
  if (raws.length === 0) return { method: 'POST', path, body: json, needsHttp: true };
  return {
    method: 'POST',
    path,
    headers: { 'inference-header-content-length': String(json.length) },
    binary: concat(json, raws),
    needsHttp: true,
  };
}

/** What kserve's InferenceRESTClient.infer sends for an InferRequest (to_rest). */
export function kserveRequest(
  model: string,
  inputs: ClientInput[],
  options: { outputs?: ClientOutput[]; id: string; parameters?: Record<string, unknown> },
): Sent {
  const raws: Uint8Array[] = [];
  const res: Record<string, unknown> = {
    id: options.id,
    model_name: model,
    inputs: inputs.map((input) => {
      const dict: Record<string, unknown> = {
        name: input.name,
        shape: input.shape,
        datatype: input.datatype,
      };
      if (input.binary ?? true) {
        const raw = npBytes(input.datatype, input.values);
        raws.push(raw);
        dict.parameters = { binary_data_size: raw.length };
      } else dict.data = input.values;
      return dict;
    }),
  };
  if (options.outputs && options.outputs.length > 0)
    res.outputs = options.outputs.map((o) =>
      o.binary === undefined ? { name: o.name } : { name: o.name, parameters: { binary_data: o.binary } },
    );
  if (options.parameters) res.parameters = options.parameters;
  const json = JSON.stringify(res);
  const path = `/v2/models/${encodeURIComponent(model)}/infer`;
  if (raws.length === 0)
    return {
      method: 'POST',
      path,
      body: json,
      headers: { 'content-type': 'application/json' },
      needsHttp: true,
    };
  return {
    method: 'POST',
    path,
    headers: {
      'inference-header-content-length': String(Buffer.byteLength(json)),
      'content-type': 'application/octet-stream',
    },
    binary: concat(json, raws),
    needsHttp: true,
  };
}

export interface DecodedOutput {
  name: string;
  datatype: Datatype;
  shape: number[];
  /** Flat: from `data`, or decoded from the binary section. */
  values: (number | string | boolean)[];
  binary: boolean;
}

/** InferResult: the JSON header (all of the body without Inference-Header-Content-Length), then the binary outputs in order. */
export function decodeAnswer(
  headers: Record<string, string>,
  raw: Uint8Array,
): { json: Record<string, unknown>; outputs: DecodedOutput[] } {
  const length = headers['inference-header-content-length'];
  const headLength = length === undefined ? raw.length : Number(length);
  const json = JSON.parse(Buffer.from(raw.subarray(0, headLength)).toString('utf8')) as Record<
    string,
    unknown
  >;
  let at = headLength;
  const outputs = (json.outputs as Record<string, unknown>[]).map((o) => {
    const size = (o.parameters as { binary_data_size?: number } | undefined)?.binary_data_size;
    const datatype = o.datatype as Datatype;
    const shape = o.shape as number[];
    if (size === undefined)
      return {
        name: o.name as string,
        datatype,
        shape,
        values: o.data as DecodedOutput['values'],
        binary: false,
      };
    const bytes = Buffer.from(raw.subarray(at, at + size));
    at += size;
    return { name: o.name as string, datatype, shape, values: fromBytes(datatype, bytes), binary: true };
  });
  if (at !== raw.length) throw new Error(`the answer has ${raw.length - at} bytes after its outputs`);
  return { json, outputs };
}

function fromBytes(datatype: Datatype, b: Buffer): (number | string | boolean)[] {
  const copy = new Uint8Array(b).buffer;
  switch (datatype) {
    case 'BOOL':
      return Array.from(b, (x) => x === 1);
    case 'INT64':
      return Array.from(new BigInt64Array(copy), Number);
    case 'FP64':
      return Array.from(new Float64Array(copy));
    case 'FP32':
      return Array.from(new Float32Array(copy));
    case 'BYTES': {
      const out: string[] = [];
      for (let at = 0; at < b.length; ) {
        const n = b.readUInt32LE(at);
        out.push(b.subarray(at + 4, at + 4 + n).toString('utf8'));
        at += 4 + n;
      }
      return out;
    }
    default:
      throw new Error(`unexpected output datatype ${datatype}`);
  }
}
