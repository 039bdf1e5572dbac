import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';

/** Name of the error body's schema in `components.schemas`. */
export const ERROR_BODY_SCHEMA = 'ErrorBody';

const ERROR_BODY = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer', example: 400 },
    error: { type: 'string', description: 'The HTTP reason phrase', example: 'Bad Request' },
    message: {
      type: 'string',
      description: 'What went wrong; several validation problems are joined by "; "',
      example: 'rating must not be greater than 5',
    },
  },
};

/**
 * The answers every operation can give whatever its handler does, from what the document already
 * says of it: input (parameters, a body) is validated (400), a body can be too large (413) or of
 * another type (415), a path names a record that may not exist (404), anything can fail (500).
 */
function impliedErrors(path: string, operation: OperationObject): Record<number, string> {
  const errors: Record<number, string> = { 500: 'Unexpected error (nothing of it is disclosed)' };
  if ((operation.parameters?.length ?? 0) > 0 || operation.requestBody) errors[400] = 'Invalid input: the message names the field';
  if (operation.requestBody) {
    errors[413] = 'Body larger than 100 kB';
    errors[415] = 'Body neither JSON nor form-encoded';
  }
  if (path.includes('{')) errors[404] = 'No such record';
  return errors;
}

/**
 * Documents every error answer of every operation with the one error body: the answers the
 * operation declares (401 and 403 by the access decorators, 409, 429, …) get the schema, the ones
 * implied by its inputs are added. An answer with its own schema (the health report's 503) keeps it.
 */
export function documentErrorAnswers(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, [ERROR_BODY_SCHEMA]: ERROR_BODY } };
  const content = { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_BODY_SCHEMA}` } } };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of Object.values(item) as OperationObject[]) {
      if (!operation?.responses) continue;
      for (const [status, description] of Object.entries(impliedErrors(path, operation))) {
        operation.responses[status] ??= { description };
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        const answer = response as ResponseObject;
        if (Number(status) >= 400 && !answer.content) {
          operation.responses[status] = { ...answer, description: answer.description || (STATUS_CODES[status] ?? ''), content };
        }
      }
    }
  }
  return document;
}
