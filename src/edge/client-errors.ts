import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { CreditbookError } from '../domain/errors.ts';

/** Why Node's HTTP parser gave up on a request, in plain words (its own codes are HPE_…). */
function plainMessage(code: string | undefined): string {
  switch (code) {
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return 'The Content-Length header is not valid for this request.';
    case 'HPE_INVALID_EOF_STATE':
      return 'The connection ended before the body reached its Content-Length.';
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return 'The Transfer-Encoding header is not valid for this request.';
    case 'HPE_HEADER_OVERFLOW':
      return 'The request headers are too large.';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'The request did not arrive in time.';
    default:
      return 'The request is not valid HTTP.';
  }
}

/**
 * A Fastify `clientErrorHandler`: a request Node cannot parse (a wrong
 * Content-Length, a bad header) never reaches a route, so it is answered here,
 * in the surface's own error shape, and the connection is closed.
 */
export function clientErrorResponder(
  present: (error: CreditbookError, requestId: string) => { status: number; body: unknown },
  newRequestId: () => string,
): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    if (socket.writable) {
      const { status, body } = present(new CreditbookError('validation_error', plainMessage(error.code)), newRequestId());
      const text = JSON.stringify(body);
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
    }
    socket.destroy();
  };
}
