import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import { createOpenApiDocument } from '../src/app.setup.js';
import { ERROR_BODY_SCHEMA } from '../src/common/openapi/error-responses.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

interface Operation {
  name: string;
  path: string;
  operation: OperationObject;
  statuses: string[];
}

function operationsOf(document: OpenAPIObject): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      return operation ? [{ name: `${method.toUpperCase()} ${path}`, path, operation, statuses: Object.keys(operation.responses) }] : [];
    }),
  );
}

/** The OpenAPI document the app serves at /api/docs, walked operation by operation. */
describe('OpenAPI document', () => {
  let t: TestApp;
  let document: OpenAPIObject;
  let operations: Operation[];

  beforeAll(async () => {
    t = await createTestApp({ engine: 'sqlite', env: { DEMO_DATA: 'false' } });
    document = createOpenApiDocument(t.app);
    operations = operationsOf(document);
  });
  afterAll(() => t.close());

  /** The operations for which `check` fails, by name, so a failure lists them all. */
  const failing = (check: (operation: Operation) => boolean) => operations.filter((operation) => !check(operation)).map(({ name }) => name);

  it('describes the error body once, as every error answer has it', () => {
    expect(operations.length).toBeGreaterThan(20);
    expect(document.components?.schemas?.[ERROR_BODY_SCHEMA]).toMatchObject({
      required: ['statusCode', 'error', 'message'],
      properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } },
    });
  });

  it('documents 500 on every operation, 400 on every one that takes input, 404 on every one that names a record', () => {
    expect(failing(({ statuses }) => statuses.includes('500'))).toEqual([]);
    const takesInput = ({ operation }: Operation) => (operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined;
    expect(failing((op) => !takesInput(op) || op.statuses.includes('400'))).toEqual([]);
    expect(failing((op) => !op.operation.requestBody || (op.statuses.includes('413') && op.statuses.includes('415')))).toEqual([]);
    expect(failing(({ path, statuses }) => !path.includes('{') || statuses.includes('404'))).toEqual([]);
  });

  it('documents 401 on every operation that takes a bearer token, and 401 and 403 on every admin operation', () => {
    expect(failing(({ operation, statuses }) => !operation.security || statuses.includes('401'))).toEqual([]);
    const admin = operations.filter(({ path }) => path.startsWith('/api/v1/admin/'));
    expect(admin.length).toBeGreaterThan(5);
    expect(
      admin.filter(({ operation, statuses }) => !operation.security || !statuses.includes('401') || !statuses.includes('403')),
    ).toEqual([]);
  });

  it('gives every error answer the error body, except the health probes and report sent with 503', () => {
    const withoutBody = operations.flatMap(({ name, operation }) =>
      Object.entries(operation.responses)
        .filter(([status]) => Number(status) >= 400)
        .filter(([, response]) => {
          const schema = (response as ResponseObject).content?.['application/json']?.schema as { $ref?: string } | undefined;
          return schema?.$ref !== `#/components/schemas/${ERROR_BODY_SCHEMA}`;
        })
        .map(([status]) => `${name} ${status}`),
    );
    expect(withoutBody.sort()).toEqual(['GET /api/v1/health/detailed 503', 'GET /api/v1/health/live 503', 'GET /api/v1/health/ready 503']);
  });

  it('keeps the answers operations declare themselves', () => {
    const statusesOf = (name: string) => operations.find((operation) => operation.name === name)?.statuses;
    expect(statusesOf('POST /api/v1/auth/login')).toEqual(expect.arrayContaining(['200', '400', '401', '429']));
    expect(statusesOf('POST /api/v1/mentors/{id}/reviews')).toEqual(expect.arrayContaining(['400', '401', '403', '404', '409']));
  });
});
