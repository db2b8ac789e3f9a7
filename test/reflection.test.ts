import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { create, createFileRegistry, fromBinary, fromJson, toBinary, toJson, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { Client, credentials, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ItemServiceService } from '../src/generated/proto/masterdata/v1/item_service.ts';
import { StoreServiceService } from '../src/generated/proto/masterdata/v1/store_service.ts';
import { DESCRIPTORS } from '../src/grpc/reflectionService.ts';
import { reflect } from '../harness/reflectionClient.ts';
import { serverPerFile } from '../harness/serverPerFile.ts';

// What grpcurl and grpc_cli see: reflection answers decoded into a strict registry (it fails on any
// type it cannot resolve), the README's grpcurl lines run through it, and protobuf's own strict
// descriptor pool (Debian's python3-protobuf) fed the same answers.

const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
/** The README's grpcurl calls: [method path, JSON request]. */
const GRPCURL_CALLS = [...README.matchAll(/^grpcurl -plaintext (?:-d '([^']*)' )?127\.0\.0\.1:50051 ([\w.]+\/\w+)$/gm)].map(
  (m) => [m[2] ?? '', m[1] ?? '{}'] as const,
);
const SERVICES = ['masterdata.v1.ItemService', 'masterdata.v1.StoreService', 'grpc.health.v1.Health'];

const file = serverPerFile();

/** Every file reflection gives for the services, by name (each answer holds a file and its imports). */
async function reflectedFiles(): Promise<Map<string, FileDescriptorProto>> {
  const answers = await reflect(
    file.server.address,
    SERVICES.map((s) => ({ file_containing_symbol: s })),
  );
  const files = new Map<string, FileDescriptorProto>();
  for (const answer of answers) {
    expect(answer.error_response).toBeUndefined();
    for (const bytes of answer.file_descriptor_response?.file_descriptor_proto ?? []) {
      const file = fromBinary(FileDescriptorProtoSchema, bytes);
      files.set(file.name, file);
    }
  }
  return files;
}

/** The files with every import before the files that import it, as a FileDescriptorSet lists them. */
function ordered(files: Map<string, FileDescriptorProto>): FileDescriptorProto[] {
  const out: FileDescriptorProto[] = [];
  const visit = (file: FileDescriptorProto) => {
    if (out.includes(file)) return;
    for (const dependency of file.dependency) {
      const imported = files.get(dependency);
      if (imported) visit(imported); // a missing import is left for the registry to refuse
    }
    out.push(file);
  };
  for (const file of files.values()) visit(file);
  return out;
}

/** A strict registry: createFileRegistry throws on a file whose imports or types are not there. */
async function registry(): Promise<FileRegistry> {
  return createFileRegistry(create(FileDescriptorSetSchema, { file: ordered(await reflectedFiles()) }));
}

function call(path: string, request: Uint8Array): Promise<Buffer> {
  const client = new Client(file.server.address, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => b,
      request,
      { deadline: Date.now() + 5_000 },
      (error: ServiceError | null, response?: Buffer) => {
        client.close();
        if (error) reject(error);
        else resolve(response ?? Buffer.alloc(0));
      },
    );
  });
}

describe('server reflection, as grpcurl uses it', () => {
  it('lists the services, and serves the real files with their imports, by symbol and by file name', async () => {
    const [listed, byName, missing] = await reflect(file.server.address, [
      { list_services: '' },
      { file_by_filename: 'masterdata/v1/item_service.proto' },
      { file_by_filename: 'masterdata/v1/nope.proto' },
    ]);
    expect(listed?.list_services_response?.service.map((s) => s.name)).toEqual(expect.arrayContaining(SERVICES));
    const names = (byName?.file_descriptor_response?.file_descriptor_proto ?? []).map((b) => fromBinary(FileDescriptorProtoSchema, b).name);
    expect(names).toEqual(expect.arrayContaining(['masterdata/v1/item_service.proto', 'google/protobuf/timestamp.proto']));
    expect(missing?.error_response?.error_code).toBe(5); // NOT_FOUND
    const item = (await reflectedFiles()).get('masterdata/v1/item_service.proto');
    expect(item?.dependency).toEqual(['google/protobuf/timestamp.proto']);
  });

  it('describes every service and message in a strict registry: snake_case fields with their json_name, comments kept', async () => {
    const reg = await registry();
    for (const name of SERVICES) expect(reg.getService(name), name).toBeDefined();
    const detail = reg.getMessage('masterdata.v1.ItemDetail');
    expect(detail?.fields.map((f) => [f.name, f.jsonName]).slice(0, 2)).toEqual([
      ['tenant_id', 'tenantId'],
      ['store_code', 'storeCode'],
    ]);
    expect(detail?.fields.find((f) => f.name === 'created_at')?.message?.typeName).toBe('google.protobuf.Timestamp');
    for (const service of ['masterdata.v1.ItemService', 'masterdata.v1.StoreService']) {
      for (const method of reg.getService(service)?.methods ?? []) {
        expect(reg.getMessage(method.input.typeName), method.name).toBeDefined();
        expect(reg.getMessage(method.output.typeName), method.name).toBeDefined();
      }
    }
    // The committed descriptors are the generation the code was made from: the same methods.
    const paths = (s: { methods: readonly { name: string }[] } | undefined, svc: string) =>
      (s?.methods ?? []).map((m) => `/${svc}/${m.name}`).sort();
    expect(paths(reg.getService('masterdata.v1.ItemService'), 'masterdata.v1.ItemService')).toEqual(
      Object.values(ItemServiceService)
        .map((m) => m.path)
        .sort(),
    );
    expect(paths(reg.getService('masterdata.v1.StoreService'), 'masterdata.v1.StoreService')).toEqual(
      Object.values(StoreServiceService)
        .map((m) => m.path)
        .sort(),
    );
  });

  it("runs the README's grpcurl lines, one per method, with requests built only from what reflection returned", async () => {
    const reg = await registry();
    const called = new Set<string>();
    for (const [path, json] of GRPCURL_CALLS) {
      const [service = '', name = ''] = path.split('/');
      const method = reg.getService(service)?.methods.find((m) => m.name === name);
      if (!method) throw new Error(`${path}: not described by reflection`);
      const request = toBinary(method.input, fromJson(method.input, JSON.parse(json) as never, { registry: reg }));
      const answer = toJson(method.output, fromBinary(method.output, await call(`/${path}`, request)), { registry: reg });
      expect(answer, path).toBeTypeOf('object');
      called.add(`${service}/${name}`);
    }
    for (const service of ['masterdata.v1.ItemService', 'masterdata.v1.StoreService'])
      for (const method of reg.getService(service)?.methods ?? []) expect(called, method.name).toContain(`${service}/${method.name}`);
    expect(called).toContain('grpc.health.v1.Health/Check');
  });

  it("is accepted by protobuf's own strict descriptor pool (Debian's python3-protobuf), the one grpcurl's kind of tool resolves against", async () => {
    const run = promisify(execFile);
    const python = process.env.PYTHON_GRPC ?? '/usr/bin/python3';
    const hasProtobuf = await run(python, ['-c', 'import google.protobuf']).then(
      () => true,
      () => false,
    );
    if (!hasProtobuf && !process.env.CI) return;
    const set = toBinary(FileDescriptorSetSchema, create(FileDescriptorSetSchema, { file: ordered(await reflectedFiles()) }));
    const script = [
      'import sys',
      'from google.protobuf import descriptor_pb2, descriptor_pool',
      'fds = descriptor_pb2.FileDescriptorSet.FromString(sys.stdin.buffer.read())',
      'pool = descriptor_pool.DescriptorPool()',
      'for f in fds.file: pool.Add(f)',
      'for s in sys.argv[1:]: print(pool.FindServiceByName(s).full_name, len(pool.FindServiceByName(s).methods))',
      'print(pool.FindMessageTypeByName("masterdata.v1.ItemDetail").fields_by_name["created_at"].message_type.full_name)',
    ].join('\n');
    const child = execFile(python, ['-c', script, ...SERVICES]);
    child.stdin?.end(Buffer.from(set));
    const out = await new Promise<string>((resolve, reject) => {
      let text = '';
      let err = '';
      child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(err))));
    });
    expect(out).toContain('masterdata.v1.ItemService 4');
    expect(out).toContain('masterdata.v1.StoreService 3');
    expect(out).toContain('google.protobuf.Timestamp');
  });

  it('the descriptors file holds the imports too', () => {
    const set = fromBinary(FileDescriptorSetSchema, readFileSync(DESCRIPTORS));
    expect(set.file.map((f) => f.name)).toEqual(
      expect.arrayContaining(['google/protobuf/timestamp.proto', 'masterdata/v1/item_service.proto']),
    );
  });
});
