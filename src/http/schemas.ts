import { Type } from 'typebox';

/** The one error shape every route answers with. */
export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'Stable machine-readable code.' }),
    message: Type.String(),
    requestId: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'ErrorBody' },
);

/** ErrorBody documented for one status of a route, saying when the route answers it. */
export function errorResponse(description: string) {
  return Type.Object(ErrorBody.properties, { description });
}
