// The Open Inference Protocol's own published examples, through every transport: the inference
// request of KServe's "required_api.md" (docs/predict-api/v2) and the request of Triton's binary tensor
// data extension (docs/protocol/extension_binary_data.md), sent to a model named "mymodel" of two
// features whose answer is its first feature ("value", FP64). As published, both examples send a
// second input, "input1" (BOOL, shape [3]), that no tabular model of two features can take (and
// required_api.md gives it one value for a shape of three): those are refused with a message naming
// what is wrong; with input1 left out and the output named as the model names it, each is answered
// in the form the example shows.
import { afterAll, describe, expect, it } from 'vitest';
import { cardVersion } from '../../src/api/registry.js';
import { Predictor } from '../../src/runtime/predictor.js';
import { kindModel } from '../helpers/graphs.js';
import { type Answer, type Sent, startTransports, type Transports } from './transports.js';
import { decodeAnswer, npBytes } from './v2-clients.js';

const predictor = await Predictor.load(
  kindModel('values', { width: 2, card: (c) => ({ ...c, name: 'mymodel' }) }),
);
const transports: Transports = await startTransports(predictor, {});
const HTTP = transports.list.filter((t) => !t.name.includes('direct invoke'));
const VERSION = cardVersion(predictor);

afterAll(async () => {
  await transports.close();
  await predictor.release();
});

// required_api.md, "Inference Request Examples", as published.
const KSERVE_EXAMPLE = `{
  "id" : "42",
  "inputs" : [
    {
      "name" : "input0",
      "shape" : [ 2, 2 ],
      "datatype" : "UINT32",
      "data" : [ 1, 2, 3, 4 ]
    },
    {
      "name" : "input1",
      "shape" : [ 3 ],
      "datatype" : "BOOL",
      "data" : [ true ]
    }
  ],
  "outputs" : [
    {
      "name" : "output0"
    }
  ]
}`;

// extension_binary_data.md, "Examples": the JSON header as published, then the tensors' bytes.
const TRITON_HEADER = `{
  "model_name" : "mymodel",
  "inputs" : [
    {
      "name" : "input0",
      "shape" : [ 2, 2 ],
      "datatype" : "UINT32",
      "parameters" : {
        "binary_data_size" : 16
      }
    },
    {
      "name" : "input1",
      "shape" : [ 3 ],
      "datatype" : "BOOL",
      "parameters" : {
        "binary_data_size" : 3
      }
    }
  ],
  "outputs" : [
    {
      "name" : "output0",
      "parameters" : {
        "binary_data" : true
      }
    }
  ]
}`;

const INPUT0 = npBytes('UINT32', [1, 2, 3, 4]);
const INPUT1 = npBytes('BOOL', [true, false, true]);

function binaryRequest(header: string, tensors: Uint8Array[]): Sent {
  const json = Buffer.from(header, 'utf8');
  return {
    method: 'POST',
    path: '/v2/models/mymodel/infer',
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(json.length),
    },
    binary: Buffer.concat([json, ...tensors]),
    needsHttp: true,
  };
}

/** The published example with input1 left out and output0 named "value", as this model names it. */
function adapted(example: string): string {
  const v = JSON.parse(example) as { inputs: unknown[]; outputs: { name: string }[] };
  v.inputs = v.inputs.slice(0, 1);
  for (const o of v.outputs) o.name = 'value';
  return JSON.stringify(v, null, 2);
}

const error = (a: Answer) => (JSON.parse(a.body) as { error: string }).error;

describe.each(HTTP)('published examples through $name', (t) => {
  it('required_api.md, as published: input1 has 1 value for its shape [3]', async () => {
    const a = await t.send({
      method: 'POST',
      path: '/v2/models/mymodel/infer',
      body: KSERVE_EXAMPLE,
      needsHttp: true,
    });
    expect(a.status).toBe(400);
    expect(error(a)).toMatch(/input "input1": "data" holds 1 values, its shape \[3\] 3/);
  });

  it('required_api.md, with input1 left out: answered with its id, the output asked for, shape and data', async () => {
    const a = await t.send({
      method: 'POST',
      path: '/v2/models/mymodel/infer',
      headers: { 'content-type': 'application/json' },
      body: adapted(KSERVE_EXAMPLE),
      needsHttp: true,
    });
    expect(a.status, a.body).toBe(200);
    expect(a.contentType).toBe('application/json');
    expect(JSON.parse(a.body)).toEqual({
      model_name: 'mymodel',
      model_version: VERSION,
      id: '42',
      // input0 is two rows of two features; the model answers each row's first.
      outputs: [{ name: 'value', shape: [2], datatype: 'FP64', data: [1, 3] }],
    });
  });

  it('the binary extension example, as published: input1 is no feature of the model', async () => {
    const a = await t.send(binaryRequest(TRITON_HEADER, [INPUT0, INPUT1]));
    expect(a.status).toBe(400);
    expect(error(a)).toMatch(/the inputs "input0", "input1" name no feature of the model \(x0, x1\)/);
  });

  it('the binary extension example, with input1 left out: a binary answer as the example shows', async () => {
    const a = await t.send(binaryRequest(adapted(TRITON_HEADER), [INPUT0]));
    expect(a.status, a.body).toBe(200);
    expect(a.contentType).toBe('application/octet-stream');
    const length = Number(a.headers['inference-header-content-length']);
    expect(JSON.parse(Buffer.from(a.raw.subarray(0, length)).toString('utf8'))).toEqual({
      model_name: 'mymodel',
      model_version: VERSION,
      outputs: [{ name: 'value', shape: [2], datatype: 'FP64', parameters: { binary_data_size: 16 } }],
    });
    // Content-Length is the JSON's length plus the tensor's bytes.
    expect(a.raw.length).toBe(length + 16);
    expect(Array.from(new Float64Array(new Uint8Array(a.raw.subarray(length)).buffer))).toEqual([1, 3]);
    expect(decodeAnswer(a.headers, a.raw).outputs[0]?.values).toEqual([1, 3]);
  });

  it('model metadata in the form the spec gives ($metadata_model_response)', async () => {
    const a = await t.send({ method: 'GET', path: '/v2/models/mymodel', needsHttp: true });
    expect(a.status).toBe(200);
    const m = JSON.parse(a.body) as Record<string, unknown>;
    expect(m).toMatchObject({
      name: 'mymodel',
      versions: [VERSION],
      platform: 'onnxruntime',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 2] }],
      outputs: [{ name: 'value', datatype: 'FP64', shape: [-1] }],
    });
  });
});
