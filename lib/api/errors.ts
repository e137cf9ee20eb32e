/** The request body is larger than the API accepts: a limit of the transport, not of the domain. */
export class RequestTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestTooLargeError';
  }
}
